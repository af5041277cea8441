#include "tracking/Simulation.hpp"

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

void track_particles(Simulation& sim, TrackObserver& observer) {
  observer.initial(sim);
  const std::uint64_t total = sim.lattice.slices_per_period() * static_cast<std::uint64_t>(sim.lattice.periods);
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
      sim.ref.sedge = sim.ref.s;
      for (int slice = 0; slice < common(element).nslice; ++slice) {
        ++sim.step;
        push_reference(element, sim.ref);
        if (!monitor && !std::holds_alternative<elements::Marker>(element)) {
          pending.push_back(SliceStep::make(element, sim.ref));
          pending_aperture = pending_aperture || pending.back().has_aperture;
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
