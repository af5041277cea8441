#pragma once
#include <array>
#include <cmath>
#include <cstddef>

#include "elements/Aperture.hpp"

namespace wakeline::elements {

// Polygon masks carry their vertices in the map (it is copied to the device): at most this many.
inline constexpr std::size_t kMaxPolygonVertices = 64;

struct PolygonApertureMap {
  std::array<double, kMaxPolygonVertices> vx{}, vy{};
  int n = 0;  // vertices, the closing vertex (equal to the first) included
  double min_radius2 = 0.0;
  bool absorb = false;
  PeriodicMask mask;

  // Crossing-number test (a ray toward +u crosses the boundary an odd number of times from
  // inside): for a simple polygon the same answer as the winding number, without trigonometry.
  WL_HOST_DEVICE WL_FORCE_INLINE bool inside(double u, double v) const {
    if (u * u + v * v < min_radius2) return true;  // the fast path for the open centre
    bool in = false;
    for (int i = 0; i + 1 < n; ++i) {
      const double ya = vy[i], yb = vy[i + 1];
      if ((ya > v) != (yb > v)) {
        const double u_cross = vx[i] + (v - ya) * (vx[i + 1] - vx[i]) / (yb - ya);
        if (u < u_cross) in = !in;
      }
    }
    return in;
  }
  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& /*px*/, double& y, double& /*py*/,
                                                 double& /*t*/, double& /*pt*/) const {
    double u, v;
    mask.fold(x, y, u, v);
    return inside(u, v) != absorb;
  }
};

// Thin collimator with a polygonal opening (ImpactX's PolygonAperture): vertices_x, vertices_y in
// m, listed counter-clockwise and closed (last = first), transmit or absorb, optionally repeated.
// Particles with x^2 + y^2 < min_radius2 are inside without the polygon test.
struct PolygonAperture : ElementCommon {
  static constexpr const char* type = "polygon_aperture";
  PolygonApertureMap shape;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] PolygonApertureMap particle_map(const RefPart& /*ref*/) const { return shape; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }
};

}  // namespace wakeline::elements
