#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Folds a transverse position into the fundamental cell of a periodic mask (pepper-pot, grids):
// with repeat_x > 0 the mask repeats every repeat_x (likewise y); with shift_odd_x every odd row
// of cells is shifted by repeat_x / 2 (hexagonal and triangular patterns). Zero periods: no fold.
struct PeriodicMask {
  double repeat_x = 0.0, repeat_y = 0.0;
  bool shift_odd_x = false;

  WL_HOST_DEVICE WL_FORCE_INLINE void fold(double x, double y, double& u, double& v) const {
    const double hx = 0.5 * repeat_x, hy = 0.5 * repeat_y;
    if (shift_odd_x && repeat_y > 0.0 && std::fmod(std::floor((y + hy) / repeat_y), 2.0) != 0.0) x += hx;
    u = repeat_x > 0.0 ? std::fmod(std::fabs(x) + hx, repeat_x) - hx : x;
    v = repeat_y > 0.0 ? std::fmod(std::fabs(y) + hy, repeat_y) - hy : y;
  }
};

struct ApertureMap {
  double inv_ax, inv_ay;
  bool elliptical, absorb;
  PeriodicMask mask;

  // Returns false (particle lost) outside the opening, or inside it for an absorbing mask.
  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& /*px*/, double& y, double& /*py*/,
                                                 double& /*t*/, double& /*pt*/) const {
    double u, v;
    mask.fold(x, y, u, v);
    u *= inv_ax, v *= inv_ay;
    const bool inside = elliptical ? u * u + v * v <= 1.0 : (u * u <= 1.0 && v * v <= 1.0);
    return inside != absorb;
  }
};

// Thin collimator (ImpactX's Aperture): a rectangular or elliptical opening of half-widths
// aperture_x, aperture_y that transmits (default) or absorbs, optionally repeated as a mask.
// Misalignment shifts and rolls the opening. The beam is otherwise unchanged.
struct Aperture : ElementCommon {
  static constexpr const char* type = "aperture";
  double half_x = 0.0, half_y = 0.0;  // the keys aperture_x, aperture_y
  bool elliptical = false;
  bool absorb = false;
  PeriodicMask mask;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] ApertureMap particle_map(const RefPart& /*ref*/) const {
    return {1.0 / half_x, 1.0 / half_y, elliptical, absorb, mask};
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }
};

}  // namespace wakeline::elements
