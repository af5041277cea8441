#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Thin multipole of order m (1 = dipole, 2 = quadrupole, 3 = sextupole, ...) with integrated
// normal and skew strengths k_normal, k_skew in m^(1-m) (MAD-X convention):
//   dpx - i dpy = -(kn + i ks) (x + i y)^(m-1) / (m-1)!
// As in ImpactX there is no chromatic 1/(1+delta) factor, and m = 1 is a constant kick that
// does not steer the reference particle.
struct MultipoleMap {
  int m;
  double kn_f, ks_f;  // strengths divided by (m-1)!

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& /*t*/,
                                                 double& /*pt*/) const {
    // (x + i y)^(m-1) by repeated multiplication: m is small.
    double re = 1.0, im = 0.0;
    for (int j = 1; j < m; ++j) {
      const double r2 = re * x - im * y;
      im = re * y + im * x;
      re = r2;
    }
    px -= kn_f * re - ks_f * im;
    py += kn_f * im + ks_f * re;
  }
};

struct Multipole : ElementCommon {
  static constexpr const char* type = "multipole";
  int multipole = 1;
  double k_normal = 0.0, k_skew = 0.0;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] MultipoleMap particle_map(const RefPart& /*ref*/) const {
    double factorial = 1.0;
    for (int j = 2; j < multipole; ++j) factorial *= j;
    return {multipole, k_normal / factorial, k_skew / factorial};
  }
  // Linearised about the reference orbit: only the quadrupole term has a first-order part.
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const {
    Matrix6 r = Matrix6::identity();
    if (multipole == 2) {
      r.R(2, 1) = -k_normal, r.R(2, 3) = k_skew;
      r.R(4, 1) = k_skew, r.R(4, 3) = k_normal;
    }
    return r;
  }
};

}  // namespace wakeline::elements
