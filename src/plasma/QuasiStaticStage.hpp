#pragma once
#include <optional>
#include <string>
#include <vector>

#include "elements/PlasmaStage.hpp"
#include "plasma/BunchPusher.hpp"
#include "plasma/DriverBunch.hpp"
#include "plasma/LaserPulse.hpp"
#include "plasma/PlasmaProfile.hpp"
#include "plasma/QuasiStatic2D.hpp"

namespace wakeline::plasma {

// Settings of a plasma_stage with wakefield_model = quasistatic_2d (Wake-T's PlasmaStage keys;
// docs/user-guide/plasma-stage.md). Lengths in m, in the stage's xi = z - c t with the reference
// particle at xi = 0 at t = 0.
struct QuasiStaticStageConfig {
  double length = 0.0;
  PlasmaProfile profile = PlasmaProfile::uniform(0.0);
  // The co-moving box of the wake (and laser envelope) grid.
  double xi_min = 0.0, xi_max = 0.0, r_max = 0.0;
  double r_max_plasma = 0.0;  // plasma column radius, m; <= 0: r_max
  int n_r = 0, n_xi = 0, ppc = 2;
  double max_gamma = 10.0;
  PlasmaPusher plasma_pusher = PlasmaPusher::ab5;
  // Propagation distance between wake updates, m; <= 0: the box length xi_max - xi_min (Wake-T).
  double dz_fields = 0.0;
  PushSettings push;
  std::optional<LaserPulse> laser;
  bool laser_evolution = true;
  int laser_envelope_substeps = 1;  // envelope steps per wake update
  // An active plasma lens's azimuthal field B_theta = g r (T/m, g > 0 focuses electrons), added to the
  // wake: Wake-T's ActivePlasmaLens with wakefields = True.
  double lens_gradient = 0.0;
  // Particle-beam drivers (PWFA), sampled at the entrance of every crossing, deposited and pushed with
  // the witness; they are not part of the tracked beam and are dropped at the exit.
  std::vector<DriverBunchSpec> drivers;
  // Field snapshots for the diagnostics: every `diag_fields_every`-th wake update (0: none) and the
  // updates nearest the distances `diag_fields_z` (m from the entrance). `diag_fields` picks the
  // meshes (E, B, W, rho, rho_beam, psi, chi, a) and the drivers' particles (drivers); empty: all.
  int diag_fields_every = 0;
  std::vector<double> diag_fields_z;
  std::vector<std::string> diag_fields;
};

// The mesh names of diag_fields.
inline const std::vector<std::string>& stage_field_names() {
  static const std::vector<std::string> names{"E", "B", "W", "rho", "rho_beam", "psi", "chi", "a", "drivers"};
  return names;
}

// A plasma stage whose wake is computed by the quasi-static r-z solver (QuasiStatic2D), as Wake-T's
// quasistatic_2d model does it. The entry/exit coupling is AnalyticStage's (track_in_lab). Inside,
// every dz_fields of propagation (time dz_fields/c):
//  1. the plasma density n_p is the profile's at z = c t (on axis, and the unit of the solver);
//  2. the bunch (every tracked particle with its weight) is deposited as a charge density in e n_p:
//     the beam's own wake and space-charge fields come from this source;
//  3. the wake is solved with <a^2> and d<a^2>/dr of the laser envelope (if any);
//  4. the envelope is advanced by the update interval with chi = n/(n0 gamma) of this wake;
//  5. the bunch is pushed to the next update through the gathered (frozen) fields. The automatic
//     time step is Wake-T's 0.1/omega_x with the ion-column (blowout) gradient of the local density,
//     omega_x from the bunch's lowest gamma, re-evaluated every step.
// Drivers (if any) are deposited with the bunch in step 2 and pushed like it in step 5, each with its
// own time step (a rigid driver is not pushed).
// The laser's own (ponderomotive) force on the bunch is neglected, as in Wake-T.
class QuasiStaticStage final : public elements::StagePhysics {
 public:
  // Throws InputError when the grid or laser settings are not usable.
  explicit QuasiStaticStage(QuasiStaticStageConfig config);

  void track(Particles& beam, RefPart& ref) const override;
  void track_with_fields(Particles& beam, RefPart& ref, const elements::StageFieldSink& sink) const override;

  // The time-stepped part on a lab-frame bunch (t = 0 to length/c); `weights`: physical particles
  // per slot, `charge_qe`: the particles' charge in e. The snapshots the settings ask for go to `sink`
  // (if not null). Returns the number of wake updates.
  int advance(LabBunch& lab, const std::vector<double>& weights, double charge_qe,
              const elements::StageFieldSink* sink = nullptr) const;
  // The number of wake updates of one crossing and whether update k writes a field snapshot.
  [[nodiscard]] int n_updates() const;
  [[nodiscard]] bool writes_snapshot(int update) const;

  [[nodiscard]] const QuasiStaticStageConfig& config() const { return cfg_; }
  // The solver settings in the normalised units of density n_p.
  [[nodiscard]] QuasiStatic2DConfig solver_config(double n_p) const;
  [[nodiscard]] double dz_fields() const;

 private:
  QuasiStaticStageConfig cfg_;
};

}  // namespace wakeline::plasma
