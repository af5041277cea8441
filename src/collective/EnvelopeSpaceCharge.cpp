#include "collective/EnvelopeSpaceCharge.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::collective {

double carlson_rd(double x, double y, double z) {
  if (!(x >= 0.0 && y >= 0.0 && z > 0.0 && x + y > 0.0) || !std::isfinite(x + y + z)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Duplication: R_D(x, y, z) = 2 R_D(x+l, y+l, z+l) + 3 / (sqrt(z) (z + l)) with
  // l = sqrt(xy) + sqrt(yz) + sqrt(zx); after m steps R_D = 4^-m R_D(x_m, y_m, z_m) plus the sum.
  // Each step shrinks the spread of the arguments about their weighted mean A by 4; once it is
  // small, the fifth-order series about A finishes the job (Carlson 1995, section 2).
  const double x0 = x, y0 = y;
  const double a0 = (x + y + 3.0 * z) / 5.0;
  // Stop once the relative spread is below (r/4)^(1/6) with r = 1e-17: the series' truncation
  // error is then of order r, below double rounding.
  const double q =
      std::max({std::fabs(a0 - x), std::fabs(a0 - y), std::fabs(a0 - z)}) / std::pow(0.25e-17, 1.0 / 6.0);
  double a = a0, scale = 1.0, sum = 0.0;  // scale = 4^-m
  while (scale * q >= std::fabs(a)) {
    const double sx = std::sqrt(x), sy = std::sqrt(y), sz = std::sqrt(z);
    const double lambda = sx * sy + sy * sz + sz * sx;
    sum += scale / (sz * (z + lambda));
    scale *= 0.25;
    x = 0.25 * (x + lambda);
    y = 0.25 * (y + lambda);
    z = 0.25 * (z + lambda);
    a = 0.25 * (a + lambda);
  }
  // Deviations from A, taken from the original arguments (x_m - A = 4^-m (x_0 - A_0) exactly),
  // which keeps them accurate however small they are.
  const double dx = (a0 - x0) * scale / a, dy = (a0 - y0) * scale / a, dz = -(dx + dy) / 3.0;
  const double xy = dx * dy, z2 = dz * dz;
  const double e2 = xy - 6.0 * z2, e3 = (3.0 * xy - 8.0 * z2) * dz, e4 = 3.0 * (xy - z2) * z2,
               e5 = xy * z2 * dz;
  const double series = 1.0 - 3.0 / 14.0 * e2 + e3 / 6.0 + 9.0 / 88.0 * e2 * e2 - 3.0 / 22.0 * e4 -
                        9.0 / 52.0 * e2 * e3 + 3.0 / 26.0 * e5;
  return scale * series / (a * std::sqrt(a)) + 3.0 * sum;
}

// ---------------------------------------------------------------- 2D: KV beam of current I
//
// A KV beam with rms sizes sigma_u, sigma_v along its principal axes is a uniform ellipse of
// semi-axes 2 sigma_u, 2 sigma_v. Inside it the field is linear, and in the paraxial equations of
// motion (s as time, u' = p_u) it gives
//   u'' = K u / (2 sigma_u (sigma_u + sigma_v)),   K = 2 |I / I_A| / (beta gamma)^3,
// K the generalised perveance and I_A = 4 pi eps0 m c^3 / q the Alfven-Budker current (electric
// repulsion minus magnetic attraction = 1/gamma^2 of the electric force; that is the extra
// gamma^-2 in K). Written for any orientation of the ellipse with S = [<x^2> <xy>; <xy> <y^2>] and
// sigma = sqrt(det S) = sigma_u sigma_v, the 2x2 focusing matrix is
//   K/2 (sigma I + sigma^2 S^-1) / det(S + sigma I),
// whose entries are ImpactX's R21, R23 = R41, R43 below (in the principal frame it reduces to
// the expression above). For a round beam, sigma_x = sigma_y: u'' = K u / (4 sigma_x^2), so
// <x x''> = K/4 and the kick reproduces the rms (KV) envelope equation
//   sigma_x'' + k sigma_x = eps_x^2 / sigma_x^3 + K / (4 sigma_x)  (eps rms; edge: a'' = K/a + ...).
Matrix6 envelope_kick_2d(const Matrix6& sigma, const RefPart& ref, double current_A, double L) {
  Matrix6 r = Matrix6::identity();
  if (current_A == 0.0 || L == 0.0) return r;
  using namespace constants;
  const double alfven = 4.0 * pi * epsilon0 * ref.mass * c * c * c / ref.charge;  // A
  const double bg = ref.beta_gamma();
  const double perveance = std::fabs(current_A / alfven) * 2.0 / (bg * bg * bg);
  const double xx = sigma(0, 0), yy = sigma(2, 2), xy = sigma(0, 2);
  const double s = std::sqrt(std::max(0.0, xx * yy - xy * xy));
  const double d = (s + xx) * (s + yy) - xy * xy;
  if (!(d > 0.0) || !std::isfinite(d)) {
    throw RunError(
        "envelope space charge (2D): the transverse beam has no area (<x^2> = " + std::to_string(xx) +
        " m^2, <y^2> = " + std::to_string(yy) + " m^2); the KV field is singular");
  }
  const double k = perveance * L / (2.0 * d);
  r(1, 0) = k * (s + yy);
  r(1, 2) = -k * xy;
  r(3, 0) = -k * xy;
  r(3, 2) = k * (s + xx);
  return r;
}

// ---------------------------------------------------------------- 3D: uniform ellipsoid of charge Q
//
// A uniformly filled ellipsoid with semi-axes A_i = sqrt(5 <u_i^2>) (its rms sizes) has, in its
// rest frame, the linear interior field E_i = Q / (4 pi eps0) u_i R_D(A_j^2, A_k^2, A_i^2) (the
// classical ellipsoid potential written with Carlson's integral). R_D is homogeneous of degree
// -3/2, so R_D(5b, 5z, 5a) = R_D(b, z, a) / (5 sqrt 5). The rest-frame length is beta gamma times
// the lab one in t = c dt (so z = (beta gamma)^2 <t^2>). Over a slice of length L (lab time
// L / (beta c)), with E_perp,lab = gamma E_perp,rest partly cancelled by B (net force q E_rest /
// gamma) and E_par unchanged:
//   dpx = c_3 R_D(b, z, a) x,   dpt = c_3 (beta gamma)^2 R_D(a, b, z) t,
//   c_3 = L r_cN / (beta gamma)^2 / (5 sqrt 5),  r_cN = |q Q| / (4 pi eps0 m c^2).
// For a sphere (a = b = z = sigma^2, cold) this is the rest-frame Coulomb explosion
// sigma'' = r_cN / (5 sqrt5 (beta gamma)^2 sigma^2) in s, and sigma_t stays sigma_x / (beta gamma).
Matrix6 envelope_kick_3d(const Matrix6& sigma, const RefPart& ref, double charge_C, double L) {
  Matrix6 r = Matrix6::identity();
  if (charge_C == 0.0 || L == 0.0) return r;
  using namespace constants;
  const double bg = ref.beta_gamma(), bg2 = bg * bg;
  const double rcn = std::fabs(ref.charge * charge_C) / (4.0 * pi * epsilon0 * ref.mass * c * c);  // m
  const double k = L * rcn / bg2 / (5.0 * std::sqrt(5.0));
  const double a = sigma(0, 0), b = sigma(2, 2), z = bg2 * sigma(4, 4);
  if (!(a > 0.0 && b > 0.0 && z > 0.0) || !std::isfinite(a + b + z)) {
    throw RunError("envelope space charge (3D): the bunch has a zero size (<x^2> = " + std::to_string(a) +
                   " m^2, <y^2> = " + std::to_string(b) + " m^2, <t^2> = " + std::to_string(sigma(4, 4)) +
                   " m^2); the uniform-ellipsoid field is singular");
  }
  r(1, 0) = k * carlson_rd(b, z, a);
  r(3, 2) = k * carlson_rd(z, a, b);
  r(5, 4) = k * bg2 * carlson_rd(a, b, z);
  return r;
}

double envelope_3d_correlation(const Matrix6& sigma) {
  const auto rho = [&](int i, int j) {
    const double n = std::sqrt(sigma(i, i) * sigma(j, j));
    return n > 0.0 ? std::fabs(sigma(i, j)) / n : 0.0;
  };
  return std::max({rho(0, 2), rho(2, 4), rho(4, 0)});
}

Matrix6 envelope_space_charge_kick(const Matrix6& sigma, const RefPart& ref, double L, SpaceChargeModel model,
                                   double current_A, double charge_C) {
  switch (model) {
    case SpaceChargeModel::two_d:
      return envelope_kick_2d(sigma, ref, current_A, L);
    case SpaceChargeModel::three_d:
      return envelope_kick_3d(sigma, ref, charge_C, L);
    case SpaceChargeModel::off:
      break;
  }
  return Matrix6::identity();
}

}  // namespace wakeline::collective
