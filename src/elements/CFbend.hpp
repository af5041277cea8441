#pragma once
// ImpactX's CFbend: linear combined-function sector bend (dipole plus normal quadrupole).
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

namespace bends {

// (1 - C(L))/g and (S(L) - L)/g of q'' = -g q (C, S as in focus_block), continuous at g = 0,
// where they are L^2/2 and -L^3/6. Near g L^2 = 0 the differences cancel, so a series is used.
struct FocusIntegrals {
  double one_minus_c_over_g, s_minus_l_over_g;
};
inline FocusIntegrals focus_integrals(double g, double L) {
  const double u = g * L * L;
  FocusIntegrals f{};
  if (std::fabs(u) < 0.25) {
    // (1-C)/g = sum_{k>=1} (-g)^(k-1) L^(2k)/(2k)!, (S-L)/g = -sum_{k>=1} (-g)^(k-1) L^(2k+1)/(2k+1)!
    double a = L * L / 2.0, b = -L * L * L / 6.0;
    for (int k = 1; k <= 12; ++k) {
      f.one_minus_c_over_g += a;
      f.s_minus_l_over_g += b;
      a *= -u / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
      b *= -u / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
    }
    return f;
  }
  const double w = std::sqrt(std::fabs(g));
  if (g > 0.0) {
    const double h = std::sin(0.5 * w * L);
    f.one_minus_c_over_g = 2.0 * h * h / g;
    f.s_minus_l_over_g = (std::sin(w * L) / w - L) / g;
  } else {
    const double h = std::sinh(0.5 * w * L);
    f.one_minus_c_over_g = -2.0 * h * h / g;
    f.s_minus_l_over_g = (std::sinh(w * L) / w - L) / g;
  }
  return f;
}

// Linear map over arc length L of a sector bend with curvature h = 1/rc (0: straight) and
// normal quadrupole k (1/m^2, k > 0 focuses in x): gx = k + h^2, gy = -k.
inline Matrix6 combined_bend_matrix(double h, double k, double L, double beta, double beta_gamma) {
  const double gx = k + h * h;
  const FocusBlock bx = focus_block(gx, L), by = focus_block(-k, L);
  const FocusIntegrals fi = focus_integrals(gx, L);
  Matrix6 r = Matrix6::identity();
  r.R(1, 1) = bx.c, r.R(1, 2) = bx.s, r.R(2, 1) = bx.sp, r.R(2, 2) = bx.c;
  r.R(3, 3) = by.c, r.R(3, 4) = by.s, r.R(4, 3) = by.sp, r.R(4, 4) = by.c;
  r.R(1, 6) = -h * fi.one_minus_c_over_g / beta;
  r.R(2, 6) = -h * bx.s / beta;
  r.R(5, 1) = h * bx.s / beta;
  r.R(5, 2) = h * fi.one_minus_c_over_g / beta;
  r.R(5, 6) = L / (beta_gamma * beta_gamma) + h * h * fi.s_minus_l_over_g / (beta * beta);
  return r;
}

}  // namespace bends

// rc in m (positive bends toward -x; ImpactX requires rc != 0, here rc = 0 gives a straight
// quadrupole), k in 1/m^2. The reference is pushed as by Sbend.
struct CFbend : ElementCommon {
  static constexpr const char* type = "cfbend";
  double rc = 0.0, k = 0.0;

  void push_reference(RefPart& ref) const {
    if (rc == 0.0) {
      push_reference_straight(ref, slice_ds());
    } else {
      push_reference_bend(ref, slice_ds(), rc);
    }
  }
  [[nodiscard]] MatrixMap particle_map(const RefPart& ref) const { return {linear_map(ref)}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    return bends::combined_bend_matrix(rc == 0.0 ? 0.0 : 1.0 / rc, k, slice_ds(), ref.beta(),
                                       ref.beta_gamma());
  }
};

}  // namespace wakeline::elements
