#pragma once
#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Thin linear RF buncher: V = V_max / (c B rho), k = 2 pi / lambda_RF (1/m).
// Longitudinal kick -k V t with the matching transverse defocusing of a short RF gap.
struct Buncher : ElementCommon {
  static constexpr const char* type = "buncher";
  double V = 0.0, k = 0.0;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] MatrixMap particle_map(const RefPart& ref) const { return {linear_map(ref)}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double bg = ref.beta_gamma();
    const double transverse = k * V / (2.0 * bg * bg);
    Matrix6 r = Matrix6::identity();
    r.R(2, 1) = transverse, r.R(4, 3) = transverse, r.R(6, 5) = -k * V;
    return r;
  }
};

}  // namespace wakeline::elements
