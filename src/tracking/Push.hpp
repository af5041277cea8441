#pragma once
#include <cstddef>
#include <span>

#include "core/Particles.hpp"
#include "elements/Element.hpp"

namespace wakeline {

// One slice of one element, ready to apply to particles: the particle map built from the
// reference particle after its push, plus misalignment and pipe aperture.
struct SliceStep {
  ParticleMap map;
  double dx = 0.0, dy = 0.0, cos_roll = 1.0, sin_roll = 0.0;
  bool aligned = true;  // false when dx, dy or roll is nonzero
  double aperture_x = 0.0, aperture_y = 0.0;
  bool has_aperture = false;
  bool can_lose = false;  // the aperture, or a map that reports losses
  double s = 0.0;         // reference s after the slice (recorded as s_lost)

  // `before`: the reference at the slice entrance; `after`: pushed through the slice.
  static SliceStep make(const Element& element, const RefPart& before, const RefPart& after);
};

// Applies consecutive slice steps to every particle with id > 0. On the CPU, each thread takes
// a cache-sized block of particles through all the steps before moving on, so the particle
// data cross the memory bus once per call rather than once per step. A particle found outside
// an aperture, or for which the map returns false (no physical solution, an absorbing mask),
// gets id -> -id and s_lost = that step's s. The caller ends a call after any step that can lose
// particles (so a lost particle keeps its coordinates at loss).
void apply_steps(Particles& beam, std::span<const SliceStep> steps);

// Particles per block on the CPU: 6 coordinates x 8 B x 2048 = 96 KiB, inside L2.
inline constexpr std::size_t kPushBlock = 2048;

}  // namespace wakeline
