#pragma once
#include <cmath>
#include <numbers>
#include <variant>

#include "elements/ChrDrift.hpp"
#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"
#include "elements/Mixins.hpp"

namespace wakeline::elements {

// Nonlinear hard-edge dipole fringe (ImpactX DipEdge, model = nonlinear): the Hwang-Lee fringe
// map (PRAB 18, 122401 (2015)) in the explicit symplectic form of Mitchell and Hwang
// (NAPAC 2025, eq. 14). It is the map of the type-2 generating function
//   F2 = Px X(x, y) + Py Y(x, y) + t Pt + R(x, y),
//   X = x - c3 - c10 x^2 + (c10 + c11) y^2,   Y = y + 2 c10 x y,
//   R = r1 x + r2x x^2 + r3 x^3 + rxy x y^2 + r2y y^2 + r4 y^4,
// so x1 = X, y1 = Y, (px, py) = J^T (px1, py1) + grad R with J = d(X, Y)/d(x, y), and
// t1 = t + dF2/dpt. Every coefficient is a fixed part plus a part proportional to 1/delta1
// (delta1 = p/p0); d(1/delta1)/dpt = -(pt - 1/beta)/delta1^3 gives the time update from the
// 1/delta1 part of F2 alone. The map is exactly symplectic for any amplitude; it fails (the
// particle is lost) only where det J <= 0, far outside a magnet's good-field region.
struct DipEdgeFringeMap {
  // Coefficient = fixed + scaled / delta1.
  struct Split {
    double fixed = 0.0, scaled = 0.0;
    [[nodiscard]] WL_HOST_DEVICE WL_FORCE_INLINE double at(double inv_d1) const {
      return fixed + scaled * inv_d1;
    }
  };
  double ibeta = 1.0;
  double c3 = 0.0, c10 = 0.0, c11 = 0.0;  // the point transformation X, Y (all scale with 1/delta1)
  Split r1, r2x, r3, rxy, r2y, r4;        // the polynomial R
  // Removal of the reference shift (modify_ref_part): subtracted after the map.
  double dx_ref = 0.0, dpx_ref = 0.0, dt_ref = 0.0;

  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    const double inv_d1 = 1.0 / momentum_ratio(pt, ibeta);
    const double a3 = c3 * inv_d1, a10 = c10 * inv_d1, a11 = c11 * inv_d1;
    const double x2 = x * x, y2 = y * y;
    // J = [[dX/dx, dX/dy], [dY/dx, dY/dy]]
    const double jxx = 1.0 - 2.0 * a10 * x, jxy = 2.0 * (a10 + a11) * y;
    const double jyx = 2.0 * a10 * y, jyy = 1.0 + 2.0 * a10 * x;
    const double det = jxx * jyy - jxy * jyx;
    const double rx =
        r1.at(inv_d1) + 2.0 * r2x.at(inv_d1) * x + 3.0 * r3.at(inv_d1) * x2 + rxy.at(inv_d1) * y2;
    const double ry = 2.0 * rxy.at(inv_d1) * x * y + 2.0 * r2y.at(inv_d1) * y + 4.0 * r4.at(inv_d1) * y2 * y;
    // Solve J^T (px1, py1) = (px - rx, py - ry).
    const double qx = px - rx, qy = py - ry;
    const double px1 = (jyy * qx - jyx * qy) / det;
    const double py1 = (-jxy * qx + jxx * qy) / det;
    const double dX = -a3 - a10 * x2 + (a10 + a11) * y2;  // X - x
    const double dY = 2.0 * a10 * x * y;                  // Y - y
    // The 1/delta1 part of F2: its pt-derivative moves t.
    // dX and dY already carry their 1/delta1.
    const double scaled_F = px1 * dX + py1 * dY +
                            (r1.scaled * x + r2x.scaled * x2 + r3.scaled * x2 * x + rxy.scaled * x * y2 +
                             r2y.scaled * y2 + r4.scaled * y2 * y2) *
                                inv_d1;
    t += -(pt - ibeta) * inv_d1 * inv_d1 * scaled_F - dt_ref;
    x += dX - dx_ref;
    y += dY;
    px = px1 - dpx_ref;
    py = py1;
    return det > 0.0;
  }
};

// Thin dipole edge with fringe field. psi is the pole-face angle (rad), rc the bend radius (m),
// g the full gap (m); K0..K6 the fringe-field integrals (K2 plays MAD-X's FINT, but ImpactX's
// default is 1 where MAD-X's is 0) and R a length scale (m) of the K4..K6 terms.
//  - model = linear: Brown's edge focusing, first order in g/rc (SLAC-75).
//  - model = nonlinear: the map above. At the entry it shifts every particle by -c3 =
//    -g^2 K0 sec^2(psi)/rc and kicks it by c13 - c2 - c3 c5; with modify_ref_part the
//    reference orbit takes that shift and kick instead, so the beam stays centred.
// The linear map (envelope tracking, optics) is Brown's for both models, as in ImpactX; the
// nonlinear model's linear part equals it when K1 = K5 = 0 (the defaults), up to the O(g^2)
// shift above.
struct DipEdge : ElementCommon {
  static constexpr const char* type = "dipedge";
  double psi = 0.0, rc = 0.0, g = 0.0, R = 1.0;
  double K0 = std::numbers::pi * std::numbers::pi / 6.0, K1 = 0.0, K2 = 1.0, K3 = 1.0 / 6.0, K4 = 0.0,
         K5 = 0.0, K6 = 0.0;
  bool nonlinear = false;
  bool exit = false;  // location = exit
  bool modify_ref_part = false;

  // The constants c1..c15 of Mitchell and Hwang eq. 14 that the map uses; the ones marked
  // "scaled" are multiplied by 1/delta1 in the map (here they are their values at delta1 = 1).
  struct Constants {
    double c2, c3, c5, c7, c8, c9, c10, c11, c12, c13, c14, c15;  // c2, c3, c7..c12 scaled
  };
  [[nodiscard]] Constants constants() const {
    const double s = std::sin(psi), c = std::cos(psi), sec = 1.0 / c, tn = s / c;
    const double sec2 = sec * sec, sec3 = sec2 * sec, loc = exit ? -1.0 : 1.0;
    const double gr = g / rc, rc2 = rc * rc;
    Constants k{};
    k.c2 = gr * gr * K0 * s * sec3 / 2.0;
    k.c3 = loc * g * g / rc * K0 * sec2;
    k.c5 = tn / (2.0 * rc);
    k.c7 = 0.5 * sec3 * (g * K1 / (2.0 * rc2) + (1.0 + s * s) * g * K2 / rc2);
    k.c8 = tn * tn * tn / (12.0 * rc2);
    k.c9 = tn * sec2 / (4.0 * rc2);
    k.c10 = loc * tn * tn / (2.0 * rc);
    k.c11 = loc / (2.0 * rc);
    // K3 describes the field's fall-off over the gap; without a gap the term is absent.
    k.c12 = g > 0.0 ? (4.0 * sec - 8.0 * sec3) / 24.0 * K3 / (rc2 * g) : 0.0;
    k.c13 = s * s * sec3 / 2.0 * g * g / (rc * R) * K4;
    k.c14 = 0.5 * s * sec3 * g / (rc * R) * K5;
    k.c15 = K6 / (rc * R) * sec3;
    return k;
  }
  // The reference shift of the nonlinear model at delta1 = 1: position (m), kick (px/p0), and
  // the path-length change that goes with them.
  struct ReferenceShift {
    double dx, dpx, dt;
  };
  [[nodiscard]] ReferenceShift reference_shift(const RefPart& ref) const {
    const Constants k = constants();
    const double dpx = k.c13 - k.c2 - k.c3 * k.c5;
    // The reference particle's own time shift under the map (x = px = 0 at pt = 0).
    return {-k.c3, dpx, -k.c3 * dpx / ref.beta()};
  }

  void push_reference(RefPart& ref) const {
    if (!nonlinear || !modify_ref_part) return;
    const ReferenceShift sh = reference_shift(ref);
    // Local x points along (pz, -px)/p in the lab x-z plane; a kick dpx (in units of p) turns
    // the momentum towards it by asin(dpx).
    const double p = ref.beta_gamma();
    ref.x += ref.pz / p * sh.dx;
    ref.z -= ref.px / p * sh.dx;
    ref.t += sh.dt;
    rotate_reference_momentum(ref, -std::asin(sh.dpx));
  }

  [[nodiscard]] std::variant<MatrixMap, DipEdgeFringeMap> particle_map(const RefPart& ref) const {
    if (!nonlinear) return MatrixMap{linear_map(ref)};
    const Constants k = constants();
    DipEdgeFringeMap m;
    m.ibeta = 1.0 / ref.beta();
    m.c3 = k.c3, m.c10 = k.c10, m.c11 = k.c11;
    m.r1 = {-k.c13, k.c2 + k.c3 * k.c5};
    m.r2x = {k.c14 - k.c5, 0.0};
    m.r3 = {k.c15 / 6.0, k.c10 * k.c5 + k.c8};
    m.rxy = {-k.c15 / 2.0, k.c10 * k.c5 - k.c11 * k.c5 - k.c9};
    m.r2y = {-k.c14 + k.c5, -k.c7};
    m.r4 = {0.0, -k.c12};
    if (modify_ref_part) {
      const ReferenceShift sh = reference_shift(ref);
      m.dx_ref = sh.dx, m.dpx_ref = sh.dpx, m.dt_ref = sh.dt;
    }
    return m;
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const {
    Matrix6 r = Matrix6::identity();
    const double t = std::tan(psi), s = std::sin(psi), c = std::cos(psi);
    r.R(2, 1) = t / rc;
    r.R(4, 3) = -t / rc + g * K2 * (1.0 + s * s) / (rc * rc * c * c * c);
    return r;
  }
};

}  // namespace wakeline::elements
