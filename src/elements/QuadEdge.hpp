#pragma once
#include <cmath>

#include "elements/ChrDrift.hpp"

namespace wakeline::elements {

// Hard-edge quadrupole fringe map (ImpactX QuadEdge), the explicit symplectic form of the
// third-order Forest-Milutinovic generator (NIM A 269 (1988) 474, eq. 28). With
// a = flag (-g/12)/delta1, flag = +1 at the entry and -1 at the exit, it is the map of the
// type-2 generating function
//   F2 = x Px + y Py + t Pt + a(Pt) [ -Px (x^3 + 3 x y^2) + Py (y^3 + 3 x^2 y) ],
// which gives
//   x1 = x - a (x^3 + 3 x y^2),  y1 = y + a (y^3 + 3 x^2 y),
//   (px, py) = [[1 - 3 a r^2, 6 a x y], [-6 a x y, 1 + 3 a r^2]] (px1, py1),  r^2 = x^2 + y^2,
//   t1 = t + f4 (pt - 1/beta)/delta1^2,   f4 = a [px1 (x^3 + 3 x y^2) - py1 (y^3 + 3 x^2 y)],
// the last from da/dpt = -a (pt - 1/beta)/delta1^2. To first order in g at the entry this is
// x += g/(12 delta1) (x^3 + 3 x y^2), px += -g/(4 delta1) r^2 px + g/(2 delta1) x y py (MAD-X/PTC).
struct QuadEdgeMap {
  double a0, ibeta;  // flag * (-g/12), 1/beta

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    const double d1 = momentum_ratio(pt, ibeta);
    const double a = a0 / d1;
    const double x2 = x * x, y2 = y * y;
    const double gx = x * (x2 + 3.0 * y2), gy = y * (y2 + 3.0 * x2);
    const double r2 = x2 + y2, xy6 = 6.0 * a * x * y;
    const double den = 1.0 - 9.0 * a * a * (x2 - y2) * (x2 - y2);  // determinant of the 2x2 above
    const double px1 = ((1.0 + 3.0 * a * r2) * px - xy6 * py) / den;
    const double py1 = ((1.0 - 3.0 * a * r2) * py + xy6 * px) / den;
    const double f4 = a * (px1 * gx - py1 * gy);
    x -= a * gx;
    y += a * gy;
    px = px1;
    py = py1;
    t += f4 * (pt - ibeta) / (d1 * d1);
  }
};

// Thin hard-edge quadrupole fringe. k in 1/m^2 (units = 0, MAD-X) or T/m (units = 1: divided by
// the signed B rho); exit = false at the entrance edge, true at the exit edge (deck: flag).
// The map is third order in the transverse coordinates: its linear part is the identity.
struct QuadEdge : ElementCommon {
  static constexpr const char* type = "quadedge";
  double k = 0.0;
  int units = 0;
  bool exit = false;

  [[nodiscard]] double strength(const RefPart& ref) const { return units == 1 ? k / ref.rigidity_Tm() : k; }
  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] QuadEdgeMap particle_map(const RefPart& ref) const {
    return {(exit ? -1.0 : 1.0) * (-strength(ref) / 12.0), 1.0 / ref.beta()};
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }
};

}  // namespace wakeline::elements
