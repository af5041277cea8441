#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Thin dipole edge with fringe field, linear (Brown) model: psi is the pole-face angle (rad),
// rc the bend radius (m), g the full gap (m), K2 the fringe-field integral (MAD-X FINT;
// ImpactX's default is 1, MAD-X's is 0). K0, K1, K3..K6 and R belong to the nonlinear model.
struct DipEdge : ElementCommon {
  static constexpr const char* type = "dipedge";
  double psi = 0.0, rc = 0.0, g = 0.0, K2 = 1.0;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] MatrixMap particle_map(const RefPart& ref) const { return {linear_map(ref)}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const {
    Matrix6 r = Matrix6::identity();
    const double t = std::tan(psi), s = std::sin(psi), c = std::cos(psi);
    r.R(2, 1) = t / rc;
    r.R(4, 3) = -t / rc + g * K2 * (1.0 + s * s) / (rc * rc * c * c * c);
    return r;
  }
};

}  // namespace wakeline::elements
