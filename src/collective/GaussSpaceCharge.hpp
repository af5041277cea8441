#pragma once
#include <array>
#include <vector>

#include "collective/SpaceChargeSettings.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"

namespace wakeline::collective {

// Analytic space charge of the rms-equivalent Gaussian bunch (ImpactX's algo.space_charge =
// Gauss3D / Gauss2p5D, J. Qiang, LBNL-2001674, 2025), applied as one kick per slice of length L
// before the element map, with the reference at the slice entrance (as SpaceChargeSolver::kick).
//
// Both models move the beam to fixed-time coordinates, measure the weighted rms sizes and the
// centroid of the alive particles, kick px, py and (pz - p0)/p0 by (q/m) E L / (c^2 beta^2 gamma^3)
// with E in the solver's convention (F = q E / gamma^2: E = gamma E'_perp transversely and
// gamma^2 E'_z longitudinally, E' the rest-frame field), and move the beam back.
//
// Gauss3D: E' is the field of a 3D Gaussian of rest-frame rms sizes (sx, sy, gamma sz) and the
// bunch charge, at the rest-frame position (x, y, gamma z) about the centroid.
// Gauss2p5D: the transverse field of a long beam with the beam's transverse Gaussian profile,
// times the local line density lambda(z) (binned in gauss_charge_z_bins nodes); the longitudinal
// field is the long-beam one, -lambda'(z) / (4 pi eps0) [C0 + dPhi(x, y)], with C0 set by the
// longitudinal scale gauss_long_scale (see docs/user-guide/space-charge.md for the derivation).
//
// Does nothing for L = 0, fewer than two alive particles or zero bunch charge; throws
// std::invalid_argument for a settings.model that is not gauss3d or gauss2p5d and RunError for a
// beam that is flat (zero rms size, or zero length for Gauss2p5D).
void gauss_space_charge_kick(Particles& beam, const RefPart& ref, double L,
                             const SpaceChargeSettings& settings);

// Quadrature of int_{u0}^1 f(u) du: Simpson's rule with n (odd) points in v, u = u0 + (1 - u0)
// sinh(a v) / sinh(a), a = asinh(stretch). The Gaussian-field integrands below change on the
// scale u ~ 1/stretch (stretch = the largest ratio of the rms sizes), which this map resolves with
// logarithmic spacing above it: 101 points keep the integrals to 1e-5 up to aspect ratios 1e4,
// where uniform points in u are off by 10 % already at 100.
struct GaussQuadrature {
  std::vector<double> u, w;
  GaussQuadrature(double u0, double stretch, int n);
};

// The Gauss3D field in the solver's convention (V/m, F = q E / gamma^2), for a bunch of lab rms
// sizes sigma (x, y, z in fixed-t coordinates, m), reference gamma and charge Q (C), at a lab
// position (x, y, z) relative to the bunch centroid.
//
// With the rest-frame sizes S = (sx, sy, gamma sz), sa = min S, s_j = S_j / sa, the position
// X = (x, y, gamma z), xi = X / sa and T_j(u) = 1 + (s_j^2 - 1) u^2 (the substitution
// u^2 = 2 sa^2 / (2 sa^2 + q) in the classic integral over q of the Gaussian's potential),
//   E'_j = Q / (4 pi eps0) sqrt(2 / pi) X_j / sa^3 int_0^1 u^2 exp(-u^2 sum_k xi_k^2 / (2 T_k))
//          / (T_j sqrt(T_x T_y T_z)) du,
// and E = (gamma E'_x, gamma E'_y, gamma^2 E'_z).
class Gauss3DField {
 public:
  Gauss3DField(const std::array<double, 3>& sigma, double gamma, double charge, int nint);
  [[nodiscard]] std::array<double, 3> operator()(double x, double y, double z) const;

 private:
  double gamma_, inv_sa_, pref_;
  // Per quadrature node: u^2 / 2, 1 / T_x, 1 / T_y, 1 / T_z and w u^2 / sqrt(T_x T_y T_z).
  std::vector<double> half_u2_, itx_, ity_, itz_, c_;
};

// The Gauss2p5D field per unit line density, for a transverse profile of rms sizes (sx, sy) (m):
// at (x, y) about the centroid, E_x = lambda gx, E_y = lambda gy and E_z = -lambda' pz, with
// lambda (C/m) and lambda' (C/m^2) the lab line density and its slope at the particle, and E in the
// solver's convention. With sa = min(sx, sy) and T_j as for Gauss3DField,
//   gx = x / (2 pi eps0 sa^2) int_0^1 u exp(-u^2 S / 2) / (T_x sqrt(T_x T_y)) du, S = sum xi^2 / T,
//   pz = (C0 + dPhi) / (4 pi eps0), dPhi = 2 int_0^1 (exp(-u^2 S / 2) - 1) / (u sqrt(T_x T_y)) du,
//   C0 = -ln 2 + gamma_E - 2 ln((sx + sy) / (2 long_scale)),
// where the integrals over [0, delta] (delta = taylor_delta, shrunk below 0.1 / aspect ratio so
// that T stays ~1 there) come from the Taylor series of the integrand, term by term.
class Gauss2p5DField {
 public:
  Gauss2p5DField(double sx, double sy, double long_scale, int nint, double taylor_delta);
  // {gx, gy, pz}
  [[nodiscard]] std::array<double, 3> operator()(double x, double y) const;

 private:
  double inv_sa_, gpref_, ppref_, c0_, delta_;
  // Per quadrature node on [delta, 1]: u^2 / 2, 1 / T_x, 1 / T_y, w u / sqrt(T_x T_y) and
  // w / (u sqrt(T_x T_y)).
  std::vector<double> half_u2_, itx_, ity_, cf_, cp_;
};

}  // namespace wakeline::collective
