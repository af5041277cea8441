#include "tracking/Simulation.hpp"

#include <cmath>
#include <span>
#include <vector>

#include "tracking/Push.hpp"

namespace wakeline {

namespace {

// Moves particles with id < 0 to the lost container, keeping the order of the rest.
void remove_lost(Simulation& sim) {
  Particles& b = sim.beam;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b.id[i] < 0) {
      sim.lost.push_back_from(b, i);
      sim.lost.id.back() = -sim.lost.id.back();
    } else {
      if (keep != i) b.move_within(i, keep);
      ++keep;
    }
  }
  b.resize(keep);
}

}  // namespace

namespace {

// Walks the lattice slice by slice, calling on_slice(element, entrance reference) after the
// reference push, then the observer's per-slice hooks.
template <class OnSlice>
void walk(Simulation& sim, TrackObserver& observer, OnSlice&& on_slice) {
  observer.initial(sim);
  const std::uint64_t total =
      sim.lattice.slices_per_period() * static_cast<std::uint64_t>(sim.lattice.periods);
  for (sim.period = 0; sim.period < sim.lattice.periods; ++sim.period) {
    for (const Element& element : sim.lattice.elements) {
      sim.ref.sedge = sim.ref.s;
      for (int slice = 0; slice < common(element).nslice; ++slice) {
        ++sim.step;
        const RefPart entrance = sim.ref;
        push_reference(element, sim.ref);
        on_slice(element, entrance);
        if (sim.slice_step_diagnostics) observer.after_slice(sim);
        observer.progress(sim.step, total);
      }
    }
  }
  sim.period = sim.lattice.periods - 1;
  observer.final(sim);
}

}  // namespace

void track_envelope(Simulation& sim, TrackObserver& observer) {
  Particles centroid;
  centroid.resize(1);
  centroid.id[0] = 1;
  walk(sim, observer, [&](const Element& element, const RefPart& entrance) {
    Envelope& env = sim.envelope;
    const Matrix6 r = rolled(linear_map(element, entrance, sim.ref), common(element).alignment.rotation_deg);
    env.sigma = r * env.sigma * r.transpose();
    SliceStep step = SliceStep::make(element, entrance, sim.ref);
    if (std::holds_alternative<std::monostate>(step.map)) return;
    step.has_aperture = false;  // an envelope has no particles to lose
    auto& c = env.centroid;
    centroid.x[0] = c[0], centroid.px[0] = c[1], centroid.y[0] = c[2], centroid.py[0] = c[3];
    centroid.t[0] = c[4], centroid.pt[0] = c[5];
    centroid.id[0] = 1;
    apply_steps(centroid, std::span<const SliceStep>(&step, 1));
    c = {centroid.x[0], centroid.px[0], centroid.y[0], centroid.py[0], centroid.t[0], centroid.pt[0]};
  });
}

void track_reference(Simulation& sim, TrackObserver& observer) {
  walk(sim, observer, [](const Element& /*element*/, const RefPart& /*entrance*/) {});
}

void track(Simulation& sim, TrackObserver& observer) {
  switch (sim.mode) {
    case TrackMode::particles:
      track_particles(sim, observer);
      break;
    case TrackMode::envelope:
      track_envelope(sim, observer);
      break;
    case TrackMode::reference_orbit:
      track_reference(sim, observer);
      break;
  }
}

BeamMoments current_moments(const Simulation& sim) {
  if (sim.mode == TrackMode::envelope) {
    return moments_from_covariance(sim.envelope.centroid, sim.envelope.sigma, sim.ref.beta_gamma(),
                                   sim.envelope.charge_C);
  }
  return compute_moments(sim.beam, sim.ref);
}

void track_particles(Simulation& sim, TrackObserver& observer) {
  observer.initial(sim);
  const std::uint64_t total =
      sim.lattice.slices_per_period() * static_cast<std::uint64_t>(sim.lattice.periods);
  std::vector<SliceStep> pending;
  bool pending_aperture = false;
  const auto flush = [&] {
    apply_steps(sim.beam, pending);
    pending.clear();
    if (pending_aperture) remove_lost(sim);
    pending_aperture = false;
  };

  for (sim.period = 0; sim.period < sim.lattice.periods; ++sim.period) {
    for (const Element& element : sim.lattice.elements) {
      const auto* monitor = std::get_if<elements::BeamMonitor>(&element);
      const auto* source = std::get_if<elements::Source>(&element);
      sim.ref.sedge = sim.ref.s;
      for (int slice = 0; slice < common(element).nslice; ++slice) {
        ++sim.step;
        const RefPart entrance = sim.ref;
        push_reference(element, sim.ref);
        if (source) {
          flush();
          if (!source->active_once || sim.period == 0) source->inject(sim.beam, sim.ref);
        } else if (!monitor && !std::holds_alternative<elements::Marker>(element)) {
          pending.push_back(SliceStep::make(element, entrance, sim.ref));
          pending_aperture = pending_aperture || pending.back().can_lose;
        }
        if (pending_aperture || monitor || sim.slice_step_diagnostics) flush();
        if (monitor) observer.monitor(*monitor, sim);
        if (sim.slice_step_diagnostics) observer.after_slice(sim);
        observer.progress(sim.step, total);
      }
    }
  }
  flush();
  sim.period = sim.lattice.periods - 1;
  observer.final(sim);
}

}  // namespace wakeline
