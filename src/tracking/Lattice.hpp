#pragma once
#include <cstdint>
#include <vector>

#include "core/Matrix6.hpp"
#include "core/RefPart.hpp"
#include "elements/Element.hpp"

namespace wakeline {

// A beamline: a flat list of elements (sub-lines are expanded when read), traversed
// `periods` times.
struct Lattice {
  std::vector<Element> elements;
  int periods = 1;

  // Slices in one pass through the lattice: the number of tracking steps per period.
  [[nodiscard]] std::uint64_t slices_per_period() const {
    std::uint64_t n = 0;
    for (const Element& e : elements) n += static_cast<std::uint64_t>(common(e).nslice);
    return n;
  }
};

// The 6x6 linear transfer map of one period of the lattice about the reference orbit; `ref`
// is the reference particle at the entrance (taken by value: the caller's is not moved).
Matrix6 transfer_map(const Lattice& lattice, RefPart ref);

// Periodic Twiss parameters of one uncoupled plane (plane 0 = x, 1 = y) of a one-period map.
struct PeriodicTwiss {
  bool stable = false;
  double beta = 0.0, alpha = 0.0, gamma = 0.0;
  double phase_advance = 0.0;  // rad per period, in (0, pi) for R12 > 0
  double tune = 0.0;           // phase_advance / (2 pi)
};
PeriodicTwiss periodic_twiss(const Matrix6& one_period, int plane);

}  // namespace wakeline
