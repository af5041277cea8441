#pragma once
#include <cmath>

#include "core/VectorMath.hpp"
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Thin RF gap, nonlinear in t. V = maximum energy gain / (m c^2), freq in Hz, phase in degrees
// (0 = maximum gain; ImpactX's default is -90, the zero-crossing). The reference particle gains
// V cos(phase) m c^2 and the momenta are rescaled to the new reference momentum.
struct ShortRFMap {
  double V, k, phase, ratio, inv_bgf, bgi;  // ratio = bgi/bgf
  double v_cos_phase;                       // V cos(phase), the reference's gain

  // vm::cos, not std::cos: the library call would keep the loop over particles scalar.

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& /*x*/, double& px, double& /*y*/, double& py,
                                                 double& t, double& pt) const {
    px *= ratio;
    py *= ratio;
    pt = (pt * bgi - V * vm::cos(k * t + phase) + v_cos_phase) * inv_bgf;
  }
};

struct ShortRF : ElementCommon {
  static constexpr const char* type = "shortrf";
  double V = 0.0, freq = 0.0, phase_deg = -90.0;

  void push_reference(RefPart& ref) const {
    const double bgi = ref.beta_gamma();
    ref.pt -= V * std::cos(deg2rad(phase_deg));
    const double bgf = ref.beta_gamma();
    ref.px *= bgf / bgi, ref.py *= bgf / bgi, ref.pz *= bgf / bgi;
  }
  // The reference has already been pushed: recover its entrance momentum from the gain.
  [[nodiscard]] ShortRFMap particle_map(const RefPart& ref) const {
    const double phase = deg2rad(phase_deg);
    const double bgf = ref.beta_gamma();
    const double pt_in = ref.pt + V * std::cos(phase);
    const double bgi = std::sqrt(pt_in * pt_in - 1.0);
    return {V, wavenumber(), phase, bgi / bgf, 1.0 / bgf, bgi, V * std::cos(phase)};
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const ShortRFMap m = particle_map(ref);
    Matrix6 r = Matrix6::identity();
    r.R(2, 2) = m.ratio, r.R(4, 4) = m.ratio, r.R(6, 6) = m.ratio;
    r.R(6, 5) = m.k * V * std::sin(m.phase) * m.inv_bgf;
    return r;
  }
  [[nodiscard]] double wavenumber() const { return 2.0 * constants::pi * freq / constants::c; }
};

}  // namespace wakeline::elements
