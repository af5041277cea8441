#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "collective/RadiationSettings.hpp"
#include "collective/SpaceChargeSettings.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "elements/PlasmaStage.hpp"
#include "tracking/Lattice.hpp"
#include "tracking/Moments.hpp"

namespace wakeline {

// algo.track: macro-particles, the second moments of the beam (envelope), or the reference
// particle alone.
enum class TrackMode { particles, envelope, reference_orbit };

// Envelope state: the beam centroid and its 6x6 covariance matrix about the centroid.
// Beyond ImpactX (issue #1114 there), the centroid may be nonzero and misalignments move it.
struct Envelope {
  std::array<double, 6> centroid{};  // x, px, y, py, t, pt
  Matrix6 sigma;
  double charge_C = 0.0;  // signed bunch charge, reported as charge_C
};

// The state of a run.
struct Simulation {
  TrackMode mode = TrackMode::particles;
  RefPart ref;
  Envelope envelope;  // envelope mode
  Particles beam;     // particles in the beam (id > 0 between slices)
  Particles lost;     // particles lost so far, with s_lost
  Lattice lattice;
  collective::SpaceChargeSettings space_charge;  // algo.space_charge and its mesh
  collective::RadiationSettings radiation;       // algo.isr*, algo.csr*: radiation in bends
  std::uint64_t seed = 1;  // the run's random seed (beam.seed / --seed): keys the ISR streams
  bool slice_step_diagnostics = false;
  std::uint64_t step = 0;   // slices done, counting every slice of every element, thin ones too
  int period = 0;           // current period, from 0
  std::size_t element = 0;  // index in lattice.elements of the element being tracked
};

// What the tracker reports while it runs (diagnostics, progress). The beam passed is
// consistent with sim.ref at each call.
class TrackObserver {
 public:
  virtual ~TrackObserver() = default;
  virtual void initial(const Simulation& /*sim*/) {}
  virtual void after_slice(const Simulation& /*sim*/) {}  // only with slice_step_diagnostics
  virtual void monitor(const elements::BeamMonitor& /*m*/, const Simulation& /*sim*/) {}
  // A field snapshot of a plasma stage (whose entrance reference is `entrance`), while it tracks.
  virtual void stage_fields(const std::string& /*stage*/, const elements::StageFieldSnapshot& /*fields*/,
                            const RefPart& /*entrance*/, const Simulation& /*sim*/) {}
  // Whether stage_fields() wants the snapshots at all (making them costs copies).
  [[nodiscard]] virtual bool wants_stage_fields() const { return false; }
  virtual void progress(std::uint64_t /*step*/, std::uint64_t /*total_steps*/) {}
  virtual void final(const Simulation& /*sim*/) {}

  // User hooks (ImpactX's Python sim.hook[...]): called only when wants_hooks() is true, with
  // the particles brought up to date first (that ends a fused pass, so hooks cost speed). They
  // may change the beam and the reference.
  [[nodiscard]] virtual bool wants_hooks() const { return false; }
  virtual void before_period(Simulation& /*sim*/) {}
  virtual void after_period(Simulation& /*sim*/) {}
  virtual void before_element(Simulation& /*sim*/) {}  // sim.element: the element's index
  virtual void after_element(Simulation& /*sim*/) {}
  virtual void before_slice(Simulation& /*sim*/) {}  // before the step count and reference push
};

// Forwards every call to several observers in order (e.g. diagnostics and user hooks).
class ObserverList : public TrackObserver {
 public:
  void add(TrackObserver& o) { list_.push_back(&o); }
  void initial(const Simulation& sim) override {
    for (auto* o : list_) o->initial(sim);
  }
  void after_slice(const Simulation& sim) override {
    for (auto* o : list_) o->after_slice(sim);
  }
  void monitor(const elements::BeamMonitor& m, const Simulation& sim) override {
    for (auto* o : list_) o->monitor(m, sim);
  }
  void stage_fields(const std::string& stage, const elements::StageFieldSnapshot& fields,
                    const RefPart& entrance, const Simulation& sim) override {
    for (auto* o : list_) o->stage_fields(stage, fields, entrance, sim);
  }
  [[nodiscard]] bool wants_stage_fields() const override {
    for (auto* o : list_)
      if (o->wants_stage_fields()) return true;
    return false;
  }
  void progress(std::uint64_t step, std::uint64_t total) override {
    for (auto* o : list_) o->progress(step, total);
  }
  void final(const Simulation& sim) override {
    for (auto* o : list_) o->final(sim);
  }
  [[nodiscard]] bool wants_hooks() const override {
    for (auto* o : list_)
      if (o->wants_hooks()) return true;
    return false;
  }
  void before_period(Simulation& sim) override {
    for (auto* o : list_) o->before_period(sim);
  }
  void after_period(Simulation& sim) override {
    for (auto* o : list_) o->after_period(sim);
  }
  void before_element(Simulation& sim) override {
    for (auto* o : list_) o->before_element(sim);
  }
  void after_element(Simulation& sim) override {
    for (auto* o : list_) o->after_element(sim);
  }
  void before_slice(Simulation& sim) override {
    for (auto* o : list_) o->before_slice(sim);
  }

 private:
  std::vector<TrackObserver*> list_;
};

// Tracks the beam through every period of the lattice, ImpactX's per-slice order: step++,
// space-charge kick over the slice length (thick slices, with the reference at the slice
// entrance), reference push, particle map built from the pushed reference, aperture check, lost
// particles removed, diagnostics. Consecutive slices with nothing to observe in between are applied to
// the particles in one fused pass.
void track_particles(Simulation& sim, TrackObserver& observer);

// Envelope mode: per slice the reference is pushed, the covariance maps as R Sigma R^T with the
// slice's linear map about the reference (rolled with the element), and the centroid goes
// through the element's particle map with its misalignment. Apertures are not applied.
void track_envelope(Simulation& sim, TrackObserver& observer);

// Reference-orbit mode: only the reference particle is pushed.
void track_reference(Simulation& sim, TrackObserver& observer);

// Runs the mode in sim.mode.
void track(Simulation& sim, TrackObserver& observer);

// The reduced beam characteristics of the current state (particles or envelope).
BeamMoments current_moments(const Simulation& sim);

}  // namespace wakeline
