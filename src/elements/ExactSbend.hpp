#pragma once
// ImpactX's ExactSbend: hard-edge sector bend with normal pole faces and the exact
// (Bruhwiler/Forest) body map, nonlinear in every coordinate.
#include <cmath>

#include "core/HostDevice.hpp"
#include "core/Matrix6.hpp"
#include "core/VectorMath.hpp"
#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Kernels shared by the bend headers (ExactSbend, CFbend, ExactCFbend).
namespace bends {

// One exact step through a uniform B_y field: bend radius rc (positive bends toward -x) and
// bend angle phi (rc * phi is the arc length; a negative product runs backward). ibeta is 1/beta
// of the reference. Returns false (particle lost, left unchanged) when the transverse momentum
// leaves the domain of the map: p_perp^2 <= px^2 at entrance or exit, p_perp^2 = (p/p0)^2 - py^2.
// Branch-free (a lost particle's update is computed from stand-in values and not selected), so
// that the loop over particles vectorises.
WL_HOST_DEVICE WL_FORCE_INLINE bool exact_bend_step(double rc, double phi, double sin_phi, double cos_phi,
                                                    double ibeta, double& x, double& px, double& y, double py,
                                                    double& t, double pt) {
  const double pperp2 = 1.0 + pt * (pt - 2.0 * ibeta) - py * py;
  const bool in_ok = pperp2 > px * px;
  const double pz_in = std::sqrt(in_ok ? pperp2 - px * px : 1.0);
  const double rho = rc + x;  // particle's distance from the centre of curvature
  const double px_out = px * cos_phi + (pz_in - rho / rc) * sin_phi;
  const bool alive = in_ok && pperp2 > px_out * px_out;
  const double pz_out = std::sqrt(alive ? pperp2 - px_out * px_out : 1.0);
  // Angle swept by the particle's momentum in the bend plane, phi + asin(px/pperp) -
  // asin(px_out/pperp), as one atan2: with a = asin(px/pperp), b = asin(px_out/pperp) (cosines
  // pz_in/pperp, pz_out/pperp >= 0), a - b in (-pi, pi) is the angle of
  // (cos(a - b), sin(a - b)) ~ (pz_in pz_out + px px_out, px pz_out - px_out pz_in).
  const double sweep = phi + vm::atan2(px * pz_out - px_out * pz_in, pz_in * pz_out + px * px_out);
  const double x_new = rc * (pz_out + px * sin_phi - pz_in * cos_phi) + rho * cos_phi - rc;
  x = alive ? x_new : x;
  y = alive ? y + sweep * rc * py : y;
  t = alive ? t - (sweep * rc * (pt - ibeta) + phi * rc * ibeta) : t;
  px = alive ? px_out : px;
  return alive;
}

// Exact drift over L (ImpactX's ExactDrift). Lost (left unchanged) when the longitudinal
// momentum is not real. Branch-free, as exact_bend_step.
WL_HOST_DEVICE WL_FORCE_INLINE bool exact_drift_step(double L, double ibeta, double ibetagam2, double& x,
                                                     double px, double& y, double py, double& t, double pt) {
  const double pz2 = (pt - ibeta) * (pt - ibeta) - ibetagam2 - px * px - py * py;
  const bool alive = pz2 > 0.0;
  const double inv_pz = 1.0 / std::sqrt(alive ? pz2 : 1.0);
  const double Le = alive ? L : 0.0;
  x += Le * px * inv_pz;
  y += Le * py * inv_pz;
  t -= Le * (ibeta + (pt - ibeta) * inv_pz);
  return alive;
}

// Linear map of a sector bend of radius rc through angle theta (arc length rc * theta).
inline Matrix6 sector_bend_matrix(double rc, double theta, double beta) {
  Matrix6 r = Matrix6::identity();
  const double c = std::cos(theta), s = std::sin(theta);
  r.R(1, 1) = c, r.R(1, 2) = rc * s, r.R(1, 6) = -(rc / beta) * (1.0 - c);
  r.R(2, 1) = -s / rc, r.R(2, 2) = c, r.R(2, 6) = -s / beta;
  r.R(3, 4) = rc * theta;
  r.R(5, 1) = s / beta, r.R(5, 2) = (rc / beta) * (1.0 - c);
  r.R(5, 6) = rc * (-theta + s / (beta * beta));
  return r;
}
inline Matrix6 drift_matrix(double L, double beta_gamma) {
  Matrix6 r = Matrix6::identity();
  r.R(1, 2) = L, r.R(3, 4) = L, r.R(5, 6) = L / (beta_gamma * beta_gamma);
  return r;
}

}  // namespace bends

struct ExactSbendMap {
  bool drift;      // phi = 0 and B = 0: ImpactX applies an exact drift
  double rc, phi;  // radius and slice angle
  double sin_phi, cos_phi;
  double slice_ds, ibeta, ibetagam2;

  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    // Both computed and one selected: `drift` is the map's, but a branch would keep the loop
    // over particles scalar.
    double xd = x, yd = y, td = t, xb = x, pxb = px, yb = y, tb = t;
    const bool drift_alive = bends::exact_drift_step(slice_ds, ibeta, ibetagam2, xd, px, yd, py, td, pt);
    const bool bend_alive = bends::exact_bend_step(rc, phi, sin_phi, cos_phi, ibeta, xb, pxb, yb, py, tb, pt);
    x = drift ? xd : xb, px = drift ? px : pxb, y = drift ? yd : yb, t = drift ? td : tb;
    // Selected as doubles: g++ 12 does not vectorise a select between two boolean masks.
    return (drift ? (drift_alive ? 1.0 : 0.0) : (bend_alive ? 1.0 : 0.0)) != 0.0;
  }

  // Calls f with the half of the map this slice needs (the tracker does this once per block of
  // particles): `drift` is the map's, so the loop need not compute both and select.
  template <class F>
  void specialized(F&& f) const;
};

// The two halves of ExactSbendMap, for ExactSbendMap::specialized.
struct ExactSbendDriftPart {
  ExactSbendMap m;
  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    return bends::exact_drift_step(m.slice_ds, m.ibeta, m.ibetagam2, x, px, y, py, t, pt);
  }
};
struct ExactSbendBendPart {
  ExactSbendMap m;
  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    return bends::exact_bend_step(m.rc, m.phi, m.sin_phi, m.cos_phi, m.ibeta, x, px, y, py, t, pt);
  }
};

template <class F>
void ExactSbendMap::specialized(F&& f) const {
  if (drift) {
    f(ExactSbendDriftPart{*this});
  } else {
    f(ExactSbendBendPart{*this});
  }
}

// phi_deg is the bend angle of the whole element in degrees. The radius is Brho/B when B != 0
// (B in T; Brho is signed, so an electron in B > 0 bends toward +x), otherwise ds/phi. Each
// slice turns by |phi|/nslice with the sign of ds*rc: with B != 0, ds -> -ds gives the inverse
// map; with B = 0 the inverse needs both ds -> -ds and phi -> -phi (ImpactX's charge_sign
// example). s advances by ds/nslice. A zero radius (B = 0, ds = 0) is treated as a drift.
struct ExactSbend : ElementCommon {
  static constexpr const char* type = "sbend_exact";
  double phi_deg = 0.0;
  double B = 0.0;

  [[nodiscard]] double radius(const RefPart& ref) const {
    return B != 0.0 ? ref.rigidity_Tm() / B : ds / deg2rad(phi_deg);
  }
  [[nodiscard]] bool is_drift(const RefPart& ref) const {
    if (phi_deg == 0.0 && B == 0.0) return true;
    const double rc = radius(ref);
    return rc == 0.0 || !std::isfinite(rc);
  }
  [[nodiscard]] double slice_angle(const RefPart& ref) const {
    const double sign = ds * radius(ref) < 0.0 ? -1.0 : 1.0;
    return sign * std::fabs(deg2rad(phi_deg)) / nslice;
  }

  void push_reference(RefPart& ref) const {
    if (is_drift(ref)) {
      push_reference_straight(ref, slice_ds());
    } else {
      push_reference_arc(ref, radius(ref), slice_angle(ref), slice_ds());
    }
  }
  [[nodiscard]] ExactSbendMap particle_map(const RefPart& ref) const {
    ExactSbendMap m{};
    const double bg = ref.beta_gamma();
    m.drift = is_drift(ref);
    m.slice_ds = slice_ds();
    m.ibeta = 1.0 / ref.beta();
    m.ibetagam2 = 1.0 / (bg * bg);
    if (!m.drift) {
      m.rc = radius(ref);
      m.phi = slice_angle(ref);
      m.sin_phi = std::sin(m.phi);
      m.cos_phi = std::cos(m.phi);
    }
    return m;
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    if (is_drift(ref)) return bends::drift_matrix(slice_ds(), ref.beta_gamma());
    return bends::sector_bend_matrix(radius(ref), slice_angle(ref), ref.beta());
  }
};

}  // namespace wakeline::elements
