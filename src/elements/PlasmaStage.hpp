#pragma once
#include <memory>
#include <string>

#include "core/Error.hpp"
#include "core/Matrix6.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// The physics of a whole plasma stage (or any element integrated in the lab frame in time, such as
// an active plasma lens). The elements layer only sees this interface; src/plasma/ implements it,
// so the element headers stay free of the plasma engine.
//
// track() receives the beam in ImpactX's fixed-s coordinates relative to `ref` at the stage
// entrance and must return it relative to `ref` updated to the stage exit (s advanced by the stage
// length, t by the reference's time of flight, energy as the implementation documents). Particles
// it cannot bring to the exit get id -> -id; the tracker moves them to the lost particles.
class StagePhysics {
 public:
  virtual ~StagePhysics() = default;
  virtual void track(Particles& beam, RefPart& ref) const = 0;
};

// What the time-integrated elements share: the physics object and the refusals of the modes that
// need a map. The element is tracked whole (nslice = 1).
struct StageElement : ElementCommon {
  std::shared_ptr<const StagePhysics> physics;

  // Reference-orbit mode has no beam to define the exit energy: there the reference crosses the
  // stage as a field-free drift. In particle mode the tracker replaces this push by the result of
  // physics->track().
  void push_reference(RefPart& ref) const { push_reference_straight(ref, ds); }

 protected:
  [[noreturn]] void refuse_linear_map(const char* type) const {
    throw RunError("element '" + name + "' (type " + type +
                   ") is integrated in time through its fields, with no linear map, so envelope "
                   "tracking and linear optics cannot use it; track particles instead");
  }
};

// A plasma accelerator stage (Wake-T's PlasmaStage) with an analytic wake model; see
// docs/user-guide/plasma-stage.md.
struct PlasmaStage : StageElement {
  static constexpr const char* type = "plasma_stage";
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { refuse_linear_map(type); }
};

}  // namespace wakeline::elements
