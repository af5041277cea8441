#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Hard-edge solenoid with its fringe fields, linear map. ks = B_z / (B rho) in 1/m.
// The map is a focusing part in each plane followed by a rotation of the x-y plane by ks L/2.
struct Solenoid : ElementCommon {
  static constexpr const char* type = "solenoid";
  double ks = 0.0;

  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] MatrixMap particle_map(const RefPart& ref) const { return {linear_map(ref)}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double L = slice_ds(), bg = ref.beta_gamma();
    const double alpha = 0.5 * ks, theta = alpha * L;
    const FocusBlock f = focus_block(alpha * alpha, L);
    Matrix6 foc = Matrix6::identity();
    for (int p = 0; p < 2; ++p) {
      foc(2 * p, 2 * p) = f.c, foc(2 * p, 2 * p + 1) = f.s;
      foc(2 * p + 1, 2 * p) = f.sp, foc(2 * p + 1, 2 * p + 1) = f.c;
    }
    foc.R(5, 6) = L / (bg * bg);
    const double c = std::cos(theta), s = std::sin(theta);
    Matrix6 rot = Matrix6::identity();
    for (int k = 0; k < 2; ++k) {  // k = 0: positions, k = 1: momenta
      rot(k, k) = c, rot(k, 2 + k) = s;
      rot(2 + k, k) = -s, rot(2 + k, 2 + k) = c;
    }
    return rot * foc;
  }
};

}  // namespace wakeline::elements
