#pragma once
// Exact straight-element kinematics, shared by ExactDrift, ExactQuad and ExactMultipole:
// the exact drift, the exact-minus-paraxial drift, and the symmetric splitting schemes
// (orders 2, 4, 6) that the exact thick elements integrate with.
//
// The exact Hamiltonian of a field-free straight element, in ImpactX variables:
//   H = -pz - pt/beta,   pz = sqrt(delta1^2 - px^2 - py^2),   delta1^2 = 1 - 2 pt/beta + pt^2.
#include <cmath>

#include "elements/ChrDrift.hpp"

namespace wakeline::elements {

// Exact drift over L. Returns false, leaving the particle unchanged, when pz^2 <= 0 (no real
// longitudinal momentum: the particle is lost). ibg2 = 1/(beta gamma)^2.
//   x += L px/pz,  y += L py/pz,  t += L [(1/beta - pt)/pz - 1/beta],
// the t-update written without cancellation near the reference:
//   (1/beta - pt)^2 - pz^2/beta^2 = (2 pt/beta - pt^2)/(beta gamma)^2 + (px^2 + py^2)/beta^2.
WL_HOST_DEVICE WL_FORCE_INLINE bool exact_drift(double L, double ibeta, double ibg2, double& x, double px,
                                                double& y, double py, double& t, double pt) {
  const double p2 = px * px + py * py;
  const double pz2 = 1.0 - 2.0 * pt * ibeta + pt * pt - p2;
  if (!(pz2 > 0.0)) return false;
  const double pz = std::sqrt(pz2);
  x += L * px / pz;
  y += L * py / pz;
  t += L * ((2.0 * pt * ibeta - pt * pt) * ibg2 + p2 * ibeta * ibeta) / ((ibeta - pt + pz * ibeta) * pz);
  return true;
}

// The exact drift minus its linear (paraxial) part x += L px, t += L pt/(beta gamma)^2: the map
// of H_exact - H_linear-drift, which is what is left of an exact element once its linear
// optics are split off (ExactQuad). 1 - pz = (1 - pz^2)/(1 + pz) avoids the cancellation.
WL_HOST_DEVICE WL_FORCE_INLINE bool exact_drift_correction(double L, double ibeta, double ibg2, double& x,
                                                           double px, double& y, double py, double& t,
                                                           double pt) {
  const double p2 = px * px + py * py;
  const double pz2 = 1.0 - 2.0 * pt * ibeta + pt * pt - p2;
  if (!(pz2 > 0.0)) return false;
  const double pz = std::sqrt(pz2);
  const double u1 = (2.0 * pt * ibeta - pt * pt + p2) / ((1.0 + pz) * pz);  // 1/pz - 1
  x += L * px * u1;
  y += L * py * u1;
  t += L * (((2.0 * pt * ibeta - pt * pt) * ibg2 + p2 * ibeta * ibeta) / ((ibeta - pt + pz * ibeta) * pz) -
            pt * ibg2);
  return true;
}

// Symmetric composition for H = A + B with n inner steps:
//   A(d_0 h) B(c_0 h) A(d_1 h) B(c_1 h) ... B(c_{n-1} h) A(d_n h),
// d_0 = c_0/2, d_j = (c_{j-1} + c_j)/2, d_n = c_{n-1}/2. Leapfrog (order 2, n = 1); Yoshida's
// fourth order (n = 3; Yoshida, Phys. Lett. A 150 (1990) 262; Forest & Ruth 1990) and sixth
// order, solution A (n = 7). The schemes are symmetric (c_j = c_{n-1-j}, d_j = d_{n-j}), so a
// map stores only the first half of each list and -h inverts +h.
struct SplitScheme {
  int n = 1;
  double c[7] = {};
  double d[8] = {};
};
// order: 2, 4 or 6 (anything else: 2).
inline SplitScheme split_scheme(int order) {
  SplitScheme s;
  if (order == 4) {
    const double cbrt2 = std::cbrt(2.0);
    const double w1 = 1.0 / (2.0 - cbrt2), w0 = -cbrt2 / (2.0 - cbrt2);
    s.n = 3;
    s.c[0] = w1, s.c[1] = w0, s.c[2] = w1;
  } else if (order == 6) {
    const double w1 = -1.17767998417887100694641568, w2 = 0.23557321335935813368479318,
                 w3 = 0.78451361047755726381949763;
    const double w0 = 1.0 - 2.0 * (w1 + w2 + w3);
    s.n = 7;
    const double c[7] = {w3, w2, w1, w0, w1, w2, w3};
    for (int j = 0; j < 7; ++j) s.c[j] = c[j];
  } else {
    s.n = 1;
    s.c[0] = 1.0;
  }
  s.d[0] = 0.5 * s.c[0];
  for (int j = 1; j < s.n; ++j) s.d[j] = 0.5 * (s.c[j - 1] + s.c[j]);
  s.d[s.n] = 0.5 * s.c[s.n - 1];
  return s;
}
// Index of the stored half of the A and B step lists (at most 4 entries each).
WL_HOST_DEVICE WL_FORCE_INLINE int split_a_index(int j, int n) { return j < n - j ? j : n - j; }
WL_HOST_DEVICE WL_FORCE_INLINE int split_b_index(int j, int n) { return j < n - 1 - j ? j : n - 1 - j; }

struct ExactDriftMap {
  double L, ibeta, ibg2;

  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    return exact_drift(L, ibeta, ibg2, x, px, y, py, t, pt);
  }
};

// Field-free drift, exact nonlinear map (ImpactX ExactDrift). A particle with
// px^2 + py^2 >= delta1^2 is lost. Linear part: Drift.
struct ExactDrift : ElementCommon {
  static constexpr const char* type = "drift_exact";

  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] ExactDriftMap particle_map(const RefPart& ref) const {
    const double bg = ref.beta_gamma();
    return {slice_ds(), 1.0 / ref.beta(), 1.0 / (bg * bg)};
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    return chromatic_linear_map(ref, slice_ds(), 0.0, 0.0);
  }
};

}  // namespace wakeline::elements
