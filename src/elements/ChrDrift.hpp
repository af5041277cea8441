#pragma once
// Chromatic (paraxial) straight elements share one particle map, ChromaticMap, defined here:
// ChrDrift, ChrQuad and ChrPlasmaLens. The map integrates, exactly, the Hamiltonian
//
//   H = -delta1 + (px^2 + py^2) / (2 delta1) - pt/beta + (kx x^2 + ky y^2) / 2,
//   delta1 = p/p0 = sqrt(1 - 2 pt/beta + pt^2),
//
// i.e. the exact Hamiltonian -sqrt(delta1^2 - px^2 - py^2) - pt/beta expanded to second order
// in the transverse variables, with the exact dependence on pt kept (ImpactX's Chr* elements).
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// delta1 = p/p0 of a particle with energy deviation pt (ibeta = 1/beta of the reference).
WL_HOST_DEVICE WL_FORCE_INLINE double momentum_ratio(double pt, double ibeta) {
  return std::sqrt(1.0 - 2.0 * pt * ibeta + pt * pt);
}

// The on-axis part of dt/ds for the Hamiltonian above, (1/beta - pt)/delta1 - 1/beta, written
// without the cancellation of its two terms near pt = 0:
//   (1/beta - pt)^2 - delta1^2/beta^2 = (2 pt/beta - pt^2) / (beta gamma)^2.
// ibg2 = 1/(beta gamma)^2. Linear part: pt/(beta gamma)^2 (the R56 of a drift per metre).
WL_HOST_DEVICE WL_FORCE_INLINE double chromatic_slip(double pt, double delta1, double ibeta, double ibg2) {
  return (2.0 * pt * ibeta - pt * pt) * ibg2 / ((ibeta - pt + delta1 * ibeta) * delta1);
}

// Advances one transverse plane over length L under q' = p/delta1, p' = -k q (k > 0 focuses,
// k < 0 defocuses, k = 0 drifts) and returns the integral of p(s)^2 over the step, which the
// t-update needs. With E = p^2/(2 delta1) + k q^2/2 conserved and d(q p)/ds = p^2/delta1 - k q^2:
//   p^2/delta1 = E + (1/2) d(q p)/ds   =>   int p^2 ds = (L/2)(p0^2 + k delta1 q0^2) + (delta1/2)(q1 p1 - q0
//   p0),
// valid for either sign of k (and for negative L, so that -L undoes +L).
WL_HOST_DEVICE WL_FORCE_INLINE double chromatic_plane(double& q, double& p, double k, double delta1,
                                                      double L) {
  const double q0 = q, p0 = p;
  if (k == 0.0) {
    q = q0 + L * p0 / delta1;
    return L * p0 * p0;
  }
  const double omega = std::sqrt(std::fabs(k) / delta1);  // phase advance per metre, chromatic
  const double w = omega * delta1;
  const double phi = omega * L;
  if (k > 0.0) {
    const double c = std::cos(phi), s = std::sin(phi);
    q = c * q0 + (s / w) * p0;
    p = -w * s * q0 + c * p0;
  } else {
    const double c = std::cosh(phi), s = std::sinh(phi);
    q = c * q0 + (s / w) * p0;
    p = w * s * q0 + c * p0;
  }
  return 0.5 * (L * (p0 * p0 + k * delta1 * q0 * q0) + delta1 * (q * p - q0 * p0));
}

// The particle map of ChrDrift, ChrQuad and ChrPlasmaLens over one slice of length L.
// kx, ky: focusing strengths (1/m^2) of the two planes, already in MAD-X units.
struct ChromaticMap {
  double L, ibeta, ibg2, kx, ky;

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    const double d1 = momentum_ratio(pt, ibeta);
    const double ix = chromatic_plane(x, px, kx, d1, L);
    const double iy = chromatic_plane(y, py, ky, d1, L);
    // dt/ds = dH/dpt = (1/beta - pt)/delta1 - 1/beta + (1/beta - pt)(px^2 + py^2)/(2 delta1^3)
    t += L * chromatic_slip(pt, d1, ibeta, ibg2) + (ibeta - pt) * (ix + iy) / (2.0 * d1 * d1 * d1);
  }

  static ChromaticMap make(const RefPart& ref, double L, double kx, double ky) {
    const double bg = ref.beta_gamma();
    return {L, 1.0 / ref.beta(), 1.0 / (bg * bg), kx, ky};
  }
};

// The linear part of ChromaticMap about the reference orbit: focusing blocks with the nominal
// strengths, R56 = L/(beta gamma)^2.
inline Matrix6 chromatic_linear_map(const RefPart& ref, double L, double kx, double ky) {
  const double bg = ref.beta_gamma();
  return BlockDiagonalMap::from_blocks(focus_block(kx, L), focus_block(ky, L),
                                       FocusBlock{1.0, L / (bg * bg), 0.0})
      .matrix();
}

// Field-free drift with chromatic effects (ImpactX ChrDrift): x += L px/delta1, and the t-update
// of the paraxial Hamiltonian, exact in pt. Linear part: Drift.
struct ChrDrift : ElementCommon {
  static constexpr const char* type = "drift_chromatic";

  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] ChromaticMap particle_map(const RefPart& ref) const {
    return ChromaticMap::make(ref, slice_ds(), 0.0, 0.0);
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    return chromatic_linear_map(ref, slice_ds(), 0.0, 0.0);
  }
};

}  // namespace wakeline::elements
