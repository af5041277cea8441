#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Hard-edge sector bend with normal pole faces, linear map (ImpactX's Sbend). rc is the
// bending radius in m (positive bends toward -x); rc = 0 makes it a drift.
struct Sbend : ElementCommon {
  static constexpr const char* type = "sbend";
  double rc = 0.0;

  void push_reference(RefPart& ref) const {
    if (rc == 0.0) {
      push_reference_straight(ref, slice_ds());
    } else {
      push_reference_bend(ref, slice_ds(), rc);
    }
  }
  [[nodiscard]] MatrixMap particle_map(const RefPart& ref) const { return {linear_map(ref)}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double L = slice_ds(), beta = ref.beta(), bg = ref.beta_gamma();
    Matrix6 r = Matrix6::identity();
    if (rc == 0.0) {
      r.R(1, 2) = L, r.R(3, 4) = L, r.R(5, 6) = L / (bg * bg);
      return r;
    }
    const double theta = L / rc, c = std::cos(theta), s = std::sin(theta);
    r.R(1, 1) = c, r.R(1, 2) = rc * s, r.R(1, 6) = -(rc / beta) * (1.0 - c);
    r.R(2, 1) = -s / rc, r.R(2, 2) = c, r.R(2, 6) = -s / beta;
    r.R(3, 4) = L;
    r.R(5, 1) = s / beta, r.R(5, 2) = (rc / beta) * (1.0 - c);
    r.R(5, 6) = rc * (-theta + s / (beta * beta));
    return r;
  }
};

}  // namespace wakeline::elements
