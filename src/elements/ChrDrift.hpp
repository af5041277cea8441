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

#include "core/VectorMath.hpp"
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
// With phi = sqrt(|k|/delta1) L, C = cos(phi) or cosh(phi) and S = sin(phi)/phi or sinh(phi)/phi
// (1 at phi = 0), the map is, for every sign of k,
//   q1 = C q0 + S (L/delta1) p0,   p1 = -k L S q0 + C p0.
// Kind: the plane's kind when the caller knows it (kPlaneDrift: k = 0, kPlaneFocusing: k > 0,
// kPlaneDefocusing: k < 0), so that only the functions it needs are evaluated; kPlaneAny: any k,
// decided by selects rather than branches. Either way there is no branch on the particle, so the
// loop over particles vectorises (core/VectorMath.hpp). inv_delta1 = 1/delta1.
inline constexpr int kPlaneAny = 0, kPlaneDrift = 1, kPlaneFocusing = 2, kPlaneDefocusing = 3;
template <int Kind = kPlaneAny>
WL_HOST_DEVICE WL_FORCE_INLINE double chromatic_plane(double& q, double& p, double k, double delta1,
                                                      double inv_delta1, double L) {
  const double q0 = q, p0 = p;
  if constexpr (Kind == kPlaneDrift) {
    q = q0 + L * inv_delta1 * p0;
    return L * p0 * p0;
  } else {
    const double phi = std::sqrt(std::fabs(k) * inv_delta1) * L;
    double sn, cs;
    vm::sin_cos_or_hyperbolic(phi, Kind == kPlaneAny ? k < 0.0 : Kind == kPlaneDefocusing, sn, cs);
    const double sinc = phi != 0.0 ? sn / phi : 1.0;
    q = cs * q0 + sinc * (L * inv_delta1) * p0;
    p = cs * p0 - (k * L) * sinc * q0;
    const double integral = 0.5 * (L * (p0 * p0 + k * delta1 * q0 * q0) + delta1 * (q * p - q0 * p0));
    // For k = 0 the integral is L p0^2 exactly; the general form would lose digits to q1 p1 - q0 p0.
    return Kind == kPlaneAny && k == 0.0 ? L * p0 * p0 : integral;
  }
}

// The particle map of ChrDrift, ChrQuad and ChrPlasmaLens over one slice of length L.
// kx, ky: focusing strengths (1/m^2) of the two planes, already in MAD-X units.
struct ChromaticMap {
  double L, ibeta, ibg2, kx, ky;

  template <int KindX, int KindY>
  WL_HOST_DEVICE WL_FORCE_INLINE void apply(double& x, double& px, double& y, double& py, double& t,
                                            double& pt) const {
    const double d1 = momentum_ratio(pt, ibeta), inv_d1 = 1.0 / d1;
    const double ix = chromatic_plane<KindX>(x, px, kx, d1, inv_d1, L);
    const double iy = chromatic_plane<KindY>(y, py, ky, d1, inv_d1, L);
    // dt/ds = dH/dpt = (1/beta - pt)/delta1 - 1/beta + (1/beta - pt)(px^2 + py^2)/(2 delta1^3)
    t +=
        L * chromatic_slip(pt, d1, ibeta, ibg2) + (ibeta - pt) * (ix + iy) * (0.5 * inv_d1 * inv_d1 * inv_d1);
  }
  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    apply<kPlaneAny, kPlaneAny>(x, px, y, py, t, pt);
  }

  [[nodiscard]] static constexpr int plane_kind(double k) {
    return k == 0.0 ? kPlaneDrift : (k > 0.0 ? kPlaneFocusing : kPlaneDefocusing);
  }
  // Calls f with this map as a ChromaticMapOf<KindX, KindY> for its own plane kinds (the tracker
  // does this once per block of particles, so that each loop evaluates only what it needs).
  template <class F>
  void specialized(F&& f) const;

  static ChromaticMap make(const RefPart& ref, double L, double kx, double ky) {
    const double bg = ref.beta_gamma();
    return {L, 1.0 / ref.beta(), 1.0 / (bg * bg), kx, ky};
  }
};

// ChromaticMap with its plane kinds fixed at compile time (see specialized).
template <int KindX, int KindY>
struct ChromaticMapOf {
  ChromaticMap m;
  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    m.apply<KindX, KindY>(x, px, y, py, t, pt);
  }
};

template <class F>
void ChromaticMap::specialized(F&& f) const {
  const auto for_y = [&]<int KindX>() {
    switch (plane_kind(ky)) {
      case kPlaneDrift:
        return f(ChromaticMapOf<KindX, kPlaneDrift>{*this});
      case kPlaneFocusing:
        return f(ChromaticMapOf<KindX, kPlaneFocusing>{*this});
      default:
        return f(ChromaticMapOf<KindX, kPlaneDefocusing>{*this});
    }
  };
  switch (plane_kind(kx)) {
    case kPlaneDrift:
      return for_y.template operator()<kPlaneDrift>();
    case kPlaneFocusing:
      return for_y.template operator()<kPlaneFocusing>();
    default:
      return for_y.template operator()<kPlaneDefocusing>();
  }
}

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
