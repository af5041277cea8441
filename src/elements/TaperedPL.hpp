#pragma once
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Thin kick of a tapered (horizontally graded) plasma lens:
//   px -= g (x + taper (x^2 + y^2)/2),   py -= g (y + taper x y),
// the gradient of g (x^2/2 + y^2/2 + taper (x^3/6 + x y^2/2)), hence symplectic.
struct TaperedPLMap {
  double g, taper;

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& /*t*/,
                                                 double& /*pt*/) const {
    px -= g * (x + 0.5 * taper * (x * x + y * y));
    py -= g * (y + taper * x * y);
  }
};

// Thin tapered plasma lens (ImpactX TaperedPL; deck type tapered_plasma_lens, documented as
// tapered_pl). k: integrated focusing strength in 1/m (units = 0) or T (units = 1: divided by
// the signed B rho); taper in 1/m (= 1/D_x). No chromatic 1/delta1 factor, as in ImpactX.
// Linear part: R21 = R43 = -g.
struct TaperedPL : ElementCommon {
  static constexpr const char* type = "tapered_plasma_lens";
  double k = 0.0, taper = 0.0;
  int units = 0;

  [[nodiscard]] double strength(const RefPart& ref) const { return units == 1 ? k / ref.rigidity_Tm() : k; }
  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] TaperedPLMap particle_map(const RefPart& ref) const { return {strength(ref), taper}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    Matrix6 r = Matrix6::identity();
    r.R(2, 1) = r.R(4, 3) = -strength(ref);
    return r;
  }
};

}  // namespace wakeline::elements
