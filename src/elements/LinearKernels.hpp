#pragma once
// Particle maps shared by the linear elements. An element builds one of these per slice from
// the (already pushed) reference particle; the tracker applies it to every particle.
#include "core/HostDevice.hpp"
#include "core/Matrix6.hpp"
#include "elements/Mixins.hpp"

namespace wakeline::elements {

// Uncoupled planes: a 2x2 block each for (x, px), (y, py) and (t, pt).
// Serves drifts, quadrupoles and constant focusing at a third of a dense 6x6's arithmetic.
struct BlockDiagonalMap {
  double x11, x12, x21, x22;
  double y11, y12, y21, y22;
  double t11, t12, t21, t22;

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    const double x0 = x, y0 = y, t0 = t;
    x = x11 * x0 + x12 * px;
    px = x21 * x0 + x22 * px;
    y = y11 * y0 + y12 * py;
    py = y21 * y0 + y22 * py;
    t = t11 * t0 + t12 * pt;
    pt = t21 * t0 + t22 * pt;
  }

  static BlockDiagonalMap from_blocks(const FocusBlock& bx, const FocusBlock& by, const FocusBlock& bt) {
    return {bx.c, bx.s, bx.sp, bx.c, by.c, by.s, by.sp, by.c, bt.c, bt.s, bt.sp, bt.c};
  }
  [[nodiscard]] Matrix6 matrix() const {
    Matrix6 r;
    r(0, 0) = x11, r(0, 1) = x12, r(1, 0) = x21, r(1, 1) = x22;
    r(2, 2) = y11, r(2, 3) = y12, r(3, 2) = y21, r(3, 3) = y22;
    r(4, 4) = t11, r(4, 5) = t12, r(5, 4) = t21, r(5, 5) = t22;
    return r;
  }
};

// A general 6x6 linear map (bends, edges, solenoids, user matrices, rotations).
struct MatrixMap {
  Matrix6 r;

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    const double in[6] = {x, px, y, py, t, pt};
    double out[6];
    for (int i = 0; i < 6; ++i) {
      double acc = 0.0;
      for (int j = 0; j < 6; ++j) acc += r.m[6 * i + j] * in[j];
      out[i] = acc;
    }
    x = out[0], px = out[1], y = out[2], py = out[3], t = out[4], pt = out[5];
  }
  [[nodiscard]] Matrix6 matrix() const { return r; }
};

}  // namespace wakeline::elements
