#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "core/Error.hpp"
#include "core/Matrix6.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// An element whose pushes are user code (ImpactX's Python `Programmable`), built from Python
// only. Per slice the tracker calls push_ref on the reference particle, then push_beam on the
// particles with the pushed reference. The callbacks run on the host, between the fused passes of
// the other elements, with the particle arrays up to date. A particle the callback marks lost
// (id < 0) is moved to the lost particles with s_lost = the reference s after the slice.
struct Programmable : ElementCommon {
  static constexpr const char* type = "programmable";

  // Moves the particles through one slice: (beam, reference after its push, step, period).
  std::function<void(Particles&, const RefPart&, std::uint64_t, int)> push_beam;
  // Moves the reference particle through one slice. Without one the reference does not move,
  // as in ImpactX: s, the position and the time of flight then stay where they were.
  std::function<void(RefPart&)> push_ref;

  void push_reference(RefPart& ref) const {
    if (push_ref) push_ref(ref);
  }
  // User code has no linear map: envelope tracking and the optics functions refuse it.
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const {
    throw RunError("element '" + name +
                   "' is programmable: its push is user code with no linear map, so envelope tracking "
                   "and linear optics cannot use it; track particles instead");
  }
};

}  // namespace wakeline::elements
