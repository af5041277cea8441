#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Exact rotation of the reference frame in the x-z plane (pole-face rotation): the frame
// enters at angle phi_in and leaves at phi_out (degrees). The reference particle is unchanged.
struct PRotMap {
  double sin_in, cos_in, sin_th, cos_th, beta;

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    const double pxs = px + sin_in;
    const double pz = std::sqrt(1.0 - 2.0 * pt / beta + pt * pt - py * py - pxs * pxs);
    const double pzf = pz * cos_th - pxs * sin_th;
    const double x0 = x;
    x = x0 * pz / pzf;
    px = px * cos_th + (pz - cos_in) * sin_th;
    y += py * x0 * sin_th / pzf;
    t -= (pt - 1.0 / beta) * x0 * sin_th / pzf;
  }
};

struct PRot : ElementCommon {
  static constexpr const char* type = "prot";
  double phi_in_deg = 0.0, phi_out_deg = 0.0;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] PRotMap particle_map(const RefPart& ref) const {
    const double phi_in = deg2rad(phi_in_deg), theta = deg2rad(phi_out_deg - phi_in_deg);
    return {std::sin(phi_in), std::cos(phi_in), std::sin(theta), std::cos(theta), ref.beta()};
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double phi_in = deg2rad(phi_in_deg), phi_out = deg2rad(phi_out_deg);
    const double theta = phi_out - phi_in, beta = ref.beta();
    Matrix6 r = Matrix6::identity();
    r.R(1, 1) = std::cos(phi_in) / std::cos(phi_out);
    r.R(2, 2) = std::cos(phi_out) / std::cos(phi_in);
    r.R(2, 6) = -std::sin(theta) / (beta * std::cos(phi_in));
    r.R(5, 1) = std::sin(theta) / (beta * std::cos(phi_out));
    return r;
  }
};

}  // namespace wakeline::elements
