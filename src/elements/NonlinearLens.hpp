#pragma once
#include <cmath>

#include "core/VectorMath.hpp"
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Minimal complex arithmetic for device code (std::complex is not usable in CUDA kernels).
struct Complex2 {
  double re, im;
};
WL_HOST_DEVICE WL_FORCE_INLINE Complex2 complex_mul(Complex2 a, Complex2 b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
WL_HOST_DEVICE WL_FORCE_INLINE Complex2 complex_div(Complex2 a, Complex2 b) {
  const double d = b.re * b.re + b.im * b.im;
  return {(a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d};
}
// Principal square root (branch cut along the negative real axis). Branch-free: with
// a = sqrt((|z| + |re|)/2) and b = im/(2a), the root is (a, b) for re >= 0 and (|b|, +-a) for
// re < 0, so both cases come from the same arithmetic and the loop over particles vectorises.
WL_HOST_DEVICE WL_FORCE_INLINE Complex2 complex_sqrt(Complex2 z) {
  const double m = std::sqrt(z.re * z.re + z.im * z.im);
  const double a = std::sqrt(0.5 * (m + std::fabs(z.re)));
  const double b = a > 0.0 ? z.im / (2.0 * a) : 0.0;  // z = 0: root 0
  return z.re >= 0.0 ? Complex2{a, b} : Complex2{std::fabs(b), std::copysign(a, z.im)};
}
// Principal logarithm (core/VectorMath.hpp's log and atan2: vectorisable).
WL_HOST_DEVICE WL_FORCE_INLINE Complex2 complex_log(Complex2 z) {
  return {vm::log(std::sqrt(z.re * z.re + z.im * z.im)), vm::atan2(z.im, z.re)};
}

// The IOTA nonlinear-lens kick (Danilov & Nagaitsev, PRST-AB 13, 084002 (2010)) in complex form:
// with zeta = (x + i y)/c and F(zeta) = zeta arcsin(zeta)/sqrt(1 - zeta^2),
//   F'(zeta) = zeta/(1 - zeta^2) + arcsin(zeta)/(1 - zeta^2)^(3/2),
//   dpx = kappa Re F',  dpy = -kappa Im F',  kappa = -knll/c,
// i.e. (dpx, dpy) = -knll grad Re F(zeta): the gradient of the Danilov-Nagaitsev potential
// (Re F = -U_DN in elliptic coordinates), hence symplectic. arcsin(zeta) = -i log(i zeta + sqrt(1 - zeta^2)).
struct NonlinearLensMap {
  double kappa, inv_c;  // -knll/cnll, 1/cnll

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(double& x, double& px, double& y, double& py, double& /*t*/,
                                                 double& /*pt*/) const {
    const Complex2 z{x * inv_c, y * inv_c};
    const Complex2 z2 = complex_mul(z, z);
    const Complex2 one_m_z2{1.0 - z2.re, -z2.im};
    const Complex2 root = complex_sqrt(one_m_z2);
    const Complex2 lg = complex_log({root.re - z.im, root.im + z.re});  // log(i zeta + root)
    const Complex2 arcsin{lg.im, -lg.re};                               // -i log(...)
    const Complex2 root3 = complex_mul(one_m_z2, root);
    const Complex2 a = complex_div(z, one_m_z2), b = complex_div(arcsin, root3);
    px += kappa * (a.re + b.re);
    py -= kappa * (a.im + b.im);
  }
};

// Thin IOTA nonlinear lens (ImpactX NonlinearLens). knll: integrated strength (m), cnll: distance
// of the singularities (branch points) from the axis (m). No chromatic factor, as in ImpactX.
// Linear part: R21 = -2 knll/cnll^2, R43 = +2 knll/cnll^2 (F' = 2 zeta + O(zeta^3)).
struct NonlinearLens : ElementCommon {
  static constexpr const char* type = "nonlinear_lens";
  double knll = 0.0, cnll = 0.0;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] NonlinearLensMap particle_map(const RefPart& /*ref*/) const {
    return {-knll / cnll, 1.0 / cnll};
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const {
    Matrix6 r = Matrix6::identity();
    r.R(2, 1) = -2.0 * knll / (cnll * cnll);
    r.R(4, 3) = 2.0 * knll / (cnll * cnll);
    return r;
  }
};

}  // namespace wakeline::elements
