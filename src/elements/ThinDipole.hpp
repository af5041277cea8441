#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Ripken-Schmidt thin-dipole kick with exact chromatic dependence: a bend of angle theta
// (degrees) and radius rc (m) concentrated at one point.
struct ThinDipoleMap {
  double kx, d, beta;  // 1/rc, theta*rc, reference beta

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& /*y*/, double& /*py*/,
                                                 double& t, double& pt) const {
    const double delta1 = std::sqrt(1.0 - 2.0 * pt / beta + pt * pt);  // p / p0
    const double f = delta1 - 1.0;
    const double fprime = (1.0 - beta * pt) / (beta * delta1);
    px += -kx * kx * d * x + kx * d * f;
    t += kx * x * d * fprime;
  }
};

struct ThinDipole : ElementCommon {
  static constexpr const char* type = "thin_dipole";
  double theta_deg = 0.0, rc = 0.0;

  void push_reference(RefPart& ref) const { rotate_reference_momentum(ref, deg2rad(theta_deg)); }
  [[nodiscard]] ThinDipoleMap particle_map(const RefPart& ref) const {
    return {1.0 / rc, deg2rad(theta_deg) * rc, ref.beta()};
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double theta = deg2rad(theta_deg), beta = ref.beta();
    Matrix6 r = Matrix6::identity();
    r.R(2, 1) = -theta / rc, r.R(2, 6) = -theta / beta, r.R(5, 1) = theta / beta;
    return r;
  }
};

}  // namespace wakeline::elements
