#pragma once
#include <cstdint>

#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "tracking/Lattice.hpp"

namespace wakeline {

// The state of a particle-tracking run.
struct Simulation {
  RefPart ref;
  Particles beam;   // particles in the beam (id > 0 between slices)
  Particles lost;   // particles lost so far, with s_lost
  Lattice lattice;
  bool slice_step_diagnostics = false;
  std::uint64_t step = 0;  // slices done, counting every slice of every element, thin ones too
  int period = 0;          // current period, from 0
};

// What the tracker reports while it runs (diagnostics, progress). The beam passed is
// consistent with sim.ref at each call.
class TrackObserver {
 public:
  virtual ~TrackObserver() = default;
  virtual void initial(const Simulation& /*sim*/) {}
  virtual void after_slice(const Simulation& /*sim*/) {}  // only with slice_step_diagnostics
  virtual void monitor(const elements::BeamMonitor& /*m*/, const Simulation& /*sim*/) {}
  virtual void progress(std::uint64_t /*step*/, std::uint64_t /*total_steps*/) {}
  virtual void final(const Simulation& /*sim*/) {}
};

// Tracks the beam through every period of the lattice, ImpactX's per-slice order: step++,
// reference push, particle map built from the pushed reference, aperture check, lost particles
// removed, diagnostics. Consecutive slices with nothing to observe in between are applied to
// the particles in one fused pass.
void track_particles(Simulation& sim, TrackObserver& observer);

}  // namespace wakeline
