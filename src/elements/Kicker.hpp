#pragma once
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

struct KickerMap {
  double dpx, dpy;
  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& /*x*/, double& px, double& /*y*/, double& py,
                                                 double& /*t*/, double& /*pt*/) const {
    px += dpx;
    py += dpy;
  }
};

// Thin corrector kick. xkick, ykick are dimensionless (units = dimensionless, the default) or
// integrated fields in T*m (units = T-m), divided by the signed rigidity.
struct Kicker : ElementCommon {
  static constexpr const char* type = "kicker";
  double xkick = 0.0, ykick = 0.0;
  bool field_units = false;  // true: T*m

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] KickerMap particle_map(const RefPart& ref) const {
    const double scale = field_units ? 1.0 / ref.rigidity_Tm() : 1.0;
    return {xkick * scale, ykick * scale};
  }
  // The kick is a constant term; its linear part about the reference is the identity.
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }
};

}  // namespace wakeline::elements
