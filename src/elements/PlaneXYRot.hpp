#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Roll of the transverse plane by `angle` degrees (x' = x cos - y sin, y' = x sin + y cos),
// the same for the momenta.
struct PlaneXYRot : ElementCommon {
  static constexpr const char* type = "plane_xyrotation";
  double angle_deg = 0.0;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] MatrixMap particle_map(const RefPart& ref) const { return {linear_map(ref)}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const {
    const double a = deg2rad(angle_deg), c = std::cos(a), s = std::sin(a);
    Matrix6 r = Matrix6::identity();
    for (int k = 0; k < 2; ++k) {
      r(k, k) = c, r(k, 2 + k) = -s;
      r(2 + k, k) = s, r(2 + k, 2 + k) = c;
    }
    return r;
  }
};

}  // namespace wakeline::elements
