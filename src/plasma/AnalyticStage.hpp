#pragma once
#include <functional>

#include "elements/PlasmaStage.hpp"
#include "plasma/BunchPusher.hpp"

namespace wakeline::plasma {

// A plasma stage (or active plasma lens) with analytic fields, as the beamline sees it.
//
// Coupling to the s-based beamline (docs/user-guide/plasma-stage.md):
//  * Entry: each particle, given at the entrance plane at time t_ref + t/c with the momenta of
//    (px, py, pt), is moved ballistically to the stage time 0, when the reference particle is at the
//    entrance (z = 0): z = -beta_z t, x -= (u_x/gamma) t, ...; xi = z.
//  * The bunch, and the reference particle as one more on-axis particle at xi = 0, are pushed in
//    time to t_final = length/c (Wake-T: the co-moving window moves at c).
//  * Exit: each particle is moved ballistically to the exit plane z = length (a distance -xi away).
//    The new reference has the beam's mean energy (weights w; unit weights for a beam of zero
//    charge), so pt averages to ~0 after the stage as ImpactX users expect; its s advances by
//    length, its position along its direction, and its time by the time of flight of the tracked
//    reference particle. Particles are expressed relative to that reference.
//  * Particles moving backwards at the exit (u_z <= 0) or with non-finite coordinates are lost.
//
// `track_in_lab` is that coupling with the push in between left to the caller: `push(lab, weights)`
// must advance `lab` from t = 0 to length/c. `weights` holds the physical particles per
// macro-particle of each slot (0 for the reference particle in the last slot and for particles lost
// at the entrance), for the stages whose fields depend on the beam itself.
void track_in_lab(Particles& beam, RefPart& ref, double length,
                  const std::function<void(LabBunch& lab, const std::vector<double>& weights)>& push);

class AnalyticStage final : public elements::StagePhysics {
 public:
  AnalyticStage(double length, StageFields fields, PushSettings settings)
      : length_(length), fields_(std::move(fields)), settings_(settings) {}

  void track(Particles& beam, RefPart& ref) const override;

  [[nodiscard]] const StageFields& fields() const { return fields_; }
  [[nodiscard]] const PushSettings& settings() const { return settings_; }
  [[nodiscard]] double length() const { return length_; }

 private:
  double length_;
  StageFields fields_;
  PushSettings settings_;
};

}  // namespace wakeline::plasma
