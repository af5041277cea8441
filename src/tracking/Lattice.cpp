#include "tracking/Lattice.hpp"

#include <cmath>

namespace wakeline {

Matrix6 transfer_map(const Lattice& lattice, RefPart ref) {
  Matrix6 total = Matrix6::identity();
  for (const Element& e : lattice.elements) {
    ref.sedge = ref.s;
    for (int slice = 0; slice < common(e).nslice; ++slice) total = push_with_linear_map(e, ref) * total;
  }
  return total;
}

PeriodicTwiss periodic_twiss(const Matrix6& m, int plane) {
  const int q = 2 * plane;
  const double r11 = m(q, q), r12 = m(q, q + 1), r21 = m(q + 1, q), r22 = m(q + 1, q + 1);
  const double cos_mu = 0.5 * (r11 + r22);
  PeriodicTwiss tw;
  if (!(std::fabs(cos_mu) < 1.0)) return tw;  // unstable or at the edge of stability
  // sin(mu) takes the sign of R12 so that beta > 0.
  const double sin_mu = std::copysign(std::sqrt(1.0 - cos_mu * cos_mu), r12);
  tw.stable = true;
  tw.beta = r12 / sin_mu;
  tw.alpha = (r11 - r22) / (2.0 * sin_mu);
  tw.gamma = -r21 / sin_mu;
  tw.phase_advance = std::atan2(sin_mu, cos_mu);
  if (tw.phase_advance < 0.0) tw.phase_advance += 2.0 * 3.14159265358979323846;
  tw.tune = tw.phase_advance / (2.0 * 3.14159265358979323846);
  return tw;
}

}  // namespace wakeline
