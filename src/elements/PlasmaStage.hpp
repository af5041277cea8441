#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/Matrix6.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// The fields of a stage on its co-moving r-xi grid at one wake update, in SI, handed to the
// diagnostics (which write them as openPMD meshes). Grid: r_k = (k + 1/2) dr for k < n_r, xi_j = xi_min +
// j dxi for j < n_xi, with xi = z - c t relative to the reference particle (at xi = 0 at the stage
// entrance). Every array holds n_xi * n_r values, index j * n_r + k; an empty array means "not
// available" (no laser, or not asked for).
struct StageFieldSnapshot {
  double z = 0.0;  // distance travelled in the stage at this update (c t), m
  int update = 0;  // index of the wake update in this crossing of the stage
  int n_r = 0, n_xi = 0;
  double dr = 0.0, dxi = 0.0, xi_min = 0.0;  // m
  std::vector<double> Ez, Er;                // V/m
  std::vector<double> Bt;                    // B_theta, T
  std::vector<double> Wr;                    // E_r - c B_theta, V/m (the transverse force on v = c)
  std::vector<double> rho;                   // plasma electron charge density, C/m^3
  std::vector<double> rho_beam;  // charge density of the tracked bunches (witness, drivers), C/m^3
  std::vector<double> psi;  // wake potential psi = e (phi - c A_z) / (m_e c^2), as volts (times m_e c^2/e)
  std::vector<double> chi;  // plasma susceptibility n/(n_p gamma) of the envelope equation, 1
  std::vector<double> a_mod, a_phase;  // laser envelope |a_hat| and arg(a_hat) (rad)
  // The particle-beam drivers at this update (lab frame, at the time of the snapshot).
  struct Bunch {
    std::string name;
    double particle_charge = 0.0, particle_mass = 0.0;  // C, kg
    std::vector<double> x, y, xi;                       // m (xi as the grid's)
    std::vector<double> ux, uy, uz;                     // p / (m c)
    std::vector<double> weight;                         // physical particles per macro-particle
  };
  std::vector<Bunch> drivers;
};

// Receives the snapshots a stage's diagnostic settings ask for, as they are computed.
using StageFieldSink = std::function<void(const StageFieldSnapshot&)>;

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
  // Same, handing to `sink` the field snapshots that the stage's settings ask for. Models without a
  // field grid (the analytic wakes, the plasma lens) write none: they only track.
  virtual void track_with_fields(Particles& beam, RefPart& ref, const StageFieldSink& /*sink*/) const {
    track(beam, ref);
  }
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
