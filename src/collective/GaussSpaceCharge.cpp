#include "collective/GaussSpaceCharge.hpp"


#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "collective/SpaceCharge.hpp"
#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::collective {

namespace {

constexpr double kCoulomb = 1.0 / (4.0 * constants::pi * constants::epsilon0);

// Ein(x) = int_0^x (1 - e^-t) / t dt, the term-by-term integral of the Taylor series of the
// 2D potential's integrand over the first region. The series converges for every x; above 10
// its terms cancel, and ln x + gamma_E + E1(x) with the asymptotic E1 is as accurate.
double ein(double x) {
  if (x < 10.0) {
    double term = x, sum = x;
    for (int k = 2; k < 80; ++k) {
      term *= -x / k;  // (-1)^(k+1) x^k / k!
      const double add = term / k;
      sum += add;
      if (std::fabs(add) < 1e-17 * std::fabs(sum)) break;
    }
    return sum;
  }
  const double e1 = std::exp(-x) / x * (1.0 - 1.0 / x + 2.0 / (x * x) - 6.0 / (x * x * x));
  return std::log(x) + std::numbers::egamma + e1;
}

// Weighted moments of the alive particles in fixed-t coordinates. The sums here and in the line
// density run in particle order on one thread: a floating-point sum depends on its order, and a
// run must give the same bits at any thread count. They are O(N), against O(N gauss_nint) for the
// fields, which run on all threads.
struct BeamMoments {
  double weight = 0.0;                    // sum of w
  std::array<double, 3> mean{}, sigma{};  // x, y, z (m)
  double z_min = 0.0, z_max = 0.0;        // extent in z (m)
};

BeamMoments moments(const Particles& beam) {
  const std::int64_t n = static_cast<std::int64_t>(beam.size());
  double sw = 0.0, sx = 0.0, sy = 0.0, sz = 0.0;
  double zmin = std::numeric_limits<double>::infinity(), zmax = -zmin;
  for (std::int64_t i = 0; i < n; ++i) {
    if (beam.id[i] <= 0) continue;
    const double w = beam.w[i];
    sw += w, sx += w * beam.x[i], sy += w * beam.y[i], sz += w * beam.t[i];
    zmin = std::min(zmin, beam.t[i]), zmax = std::max(zmax, beam.t[i]);
  }
  BeamMoments m;
  m.weight = sw, m.z_min = zmin, m.z_max = zmax;
  if (!(sw > 0.0)) return m;
  const double mx = sx / sw, my = sy / sw, mz = sz / sw;
  // Second pass about the mean: no cancellation for a beam far from the reference.
  double vx = 0.0, vy = 0.0, vz = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (beam.id[i] <= 0) continue;
    const double w = beam.w[i], dx = beam.x[i] - mx, dy = beam.y[i] - my, dz = beam.t[i] - mz;
    vx += w * dx * dx, vy += w * dy * dy, vz += w * dz * dz;
  }
  m.mean = {mx, my, mz};
  m.sigma = {std::sqrt(vx / sw), std::sqrt(vy / sw), std::sqrt(vz / sw)};
  return m;
}

// The lab line density (C/m) and its slope (C/m^2) on n nodes spanning [z_min, z_max]: cloud-in-
// cell deposition of w * charge per particle.
struct LineDensity {
  double z0 = 0.0, h = 1.0;
  std::vector<double> lambda, slope;
};

LineDensity line_density(const Particles& beam, double charge_per_weight, double z_min, double z_max,
                         int nodes) {
  LineDensity ld;
  const int nb = std::max(nodes, 2);
  ld.z0 = z_min, ld.h = (z_max - z_min) / (nb - 1);
  const std::int64_t n = static_cast<std::int64_t>(beam.size());
  const double inv_h = 1.0 / ld.h;
  ld.lambda.assign(nb, 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    if (beam.id[i] <= 0) continue;
    const double u = (beam.t[i] - ld.z0) * inv_h;
    const int k = std::clamp(static_cast<int>(std::floor(u)), 0, nb - 2);
    const double f = std::clamp(u - k, 0.0, 1.0), q = beam.w[i] * charge_per_weight;
    ld.lambda[k] += (1.0 - f) * q;
    ld.lambda[k + 1] += f * q;
  }
  for (int k = 0; k < nb; ++k) ld.lambda[k] *= inv_h;
  // The end nodes collect charge from half a cell only.
  ld.lambda.front() *= 2.0, ld.lambda.back() *= 2.0;
  ld.slope.assign(nb, 0.0);
  for (int k = 1; k + 1 < nb; ++k) ld.slope[k] = (ld.lambda[k + 1] - ld.lambda[k - 1]) * 0.5 * inv_h;
  ld.slope.front() = (ld.lambda[1] - ld.lambda[0]) * inv_h;
  ld.slope.back() = (ld.lambda[nb - 1] - ld.lambda[nb - 2]) * inv_h;
  return ld;
}

}  // namespace

GaussQuadrature::GaussQuadrature(double u0, double stretch, int n) {
  if (n < 3) n = 3;
  if (n % 2 == 0) ++n;  // Simpson's rule needs an even number of intervals
  const double a = std::asinh(std::max(stretch, 1.0)), sh = std::sinh(a), h = 1.0 / (n - 1);
  u.resize(n), w.resize(n);
  for (int k = 0; k < n; ++k) {
    const double v = k * h;
    const double simpson = (k == 0 || k == n - 1) ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0);
    u[k] = u0 + (1.0 - u0) * std::sinh(a * v) / sh;
    w[k] = simpson * h / 3.0 * (1.0 - u0) * a * std::cosh(a * v) / sh;
  }
}

Gauss3DField::Gauss3DField(const std::array<double, 3>& sigma, double gamma, double charge, int nint)
    : gamma_(gamma) {
  const std::array<double, 3> rest = {sigma[0], sigma[1], gamma * sigma[2]};
  // Scaling by the smallest size keeps every T_j >= 1: their features then sit at u ~ 1/s_j,
  // where the integrands are ~u^2 and smooth, rather than at a thin layer near u = 1.
  const double sa = std::min({rest[0], rest[1], rest[2]});
  const std::array<double, 3> s = {rest[0] / sa, rest[1] / sa, rest[2] / sa};
  const GaussQuadrature q(0.0, std::max({s[0], s[1], s[2]}), nint);
  inv_sa_ = 1.0 / sa;
  pref_ = charge * kCoulomb * std::sqrt(2.0 / std::numbers::pi) / (sa * sa * sa);
  const std::size_t n = q.u.size();
  half_u2_.resize(n), itx_.resize(n), ity_.resize(n), itz_.resize(n), c_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double u2 = q.u[k] * q.u[k];
    const double tx = 1.0 + (s[0] * s[0] - 1.0) * u2, ty = 1.0 + (s[1] * s[1] - 1.0) * u2,
                 tz = 1.0 + (s[2] * s[2] - 1.0) * u2;
    half_u2_[k] = 0.5 * u2;
    itx_[k] = 1.0 / tx, ity_[k] = 1.0 / ty, itz_[k] = 1.0 / tz;
    c_[k] = q.w[k] * u2 / std::sqrt(tx * ty * tz);
  }
}

std::array<double, 3> Gauss3DField::operator()(double x, double y, double z) const {
  const double zr = gamma_ * z;  // rest-frame distance along the orbit
  const double ax = x * inv_sa_ * x * inv_sa_, ay = y * inv_sa_ * y * inv_sa_,
               az = zr * inv_sa_ * zr * inv_sa_;
  double jx = 0.0, jy = 0.0, jz = 0.0;
  const std::size_t n = c_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const double e = c_[k] * std::exp(-half_u2_[k] * (ax * itx_[k] + ay * ity_[k] + az * itz_[k]));
    jx += e * itx_[k], jy += e * ity_[k], jz += e * itz_[k];
  }
  // Rest-frame field E' = pref X_j J_j; the solver's convention multiplies the transverse part by
  // gamma and the longitudinal one by gamma^2.
  return {gamma_ * pref_ * x * jx, gamma_ * pref_ * y * jy, gamma_ * gamma_ * pref_ * zr * jz};
}

Gauss2p5DField::Gauss2p5DField(double sx, double sy, double long_scale, int nint, double taylor_delta) {
  const double sa = std::min(sx, sy);
  const double s0 = sx / sa, s1 = sy / sa, stretch = std::max(s0, s1);
  // Within the Taylor region T_j must stay ~1 (the expansion takes T = 1 there): for a flat beam
  // the region shrinks to 0.1 / aspect ratio, where T deviates from 1 by at most 1 %.
  delta_ = std::clamp(taylor_delta, 0.0, 0.1 / stretch);
  const GaussQuadrature q(delta_, stretch, nint);
  inv_sa_ = 1.0 / sa;
  gpref_ = 2.0 * kCoulomb / (sa * sa);
  ppref_ = kCoulomb;
  // Potential at the centre of the line-charge segment of length long_scale, relative to the
  // centre of the profile: 2 ln(long_scale) - 2 <ln r>, <ln r^2> = 2 ln((sx + sy) / 2) + ln 2 - gamma_E.
  c0_ = -std::log(2.0) + std::numbers::egamma - 2.0 * std::log((sx + sy) / (2.0 * long_scale));
  const std::size_t n = q.u.size();
  half_u2_.resize(n), itx_.resize(n), ity_.resize(n), cf_.resize(n), cp_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double u = q.u[k], u2 = u * u;
    const double tx = 1.0 + (s0 * s0 - 1.0) * u2, ty = 1.0 + (s1 * s1 - 1.0) * u2, rt = std::sqrt(tx * ty);
    half_u2_[k] = 0.5 * u2;
    itx_[k] = 1.0 / tx, ity_[k] = 1.0 / ty;
    cf_[k] = q.w[k] * u / rt;
    cp_[k] = u > 0.0 ? q.w[k] / (u * rt) : 0.0;  // the potential's integrand tends to 0 at u = 0
  }
}

std::array<double, 3> Gauss2p5DField::operator()(double x, double y) const {
  const double ax = x * inv_sa_ * x * inv_sa_, ay = y * inv_sa_ * y * inv_sa_;
  // [0, delta]: T = 1, so the integrands are u exp(-u^2 S0 / 2) and (exp(-u^2 S0 / 2) - 1) / u.
  const double s0 = ax + ay, arg = 0.5 * delta_ * delta_ * s0;
  const double first = arg > 1e-12 ? -std::expm1(-arg) / s0 : 0.5 * delta_ * delta_;
  double ix = first, iy = first, p = -0.5 * ein(arg);
  const std::size_t n = cf_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const double em1 = std::expm1(-half_u2_[k] * (ax * itx_[k] + ay * ity_[k]));
    const double ef = cf_[k] * (em1 + 1.0);
    ix += ef * itx_[k], iy += ef * ity_[k];
    p += cp_[k] * em1;
  }
  return {gpref_ * x * ix, gpref_ * y * iy, ppref_ * (c0_ + 2.0 * p)};
}

void gauss_space_charge_kick(Particles& beam, const RefPart& ref, double L,
                             const SpaceChargeSettings& settings) {
  const bool is3d = settings.model == SpaceChargeModel::gauss3d;
  if (!is3d && settings.model != SpaceChargeModel::gauss2p5d) {
    throw std::invalid_argument(
        "gauss_space_charge_kick: the space-charge model is not Gauss3D or Gauss2p5D");
  }
  if (L == 0.0) return;
  const std::int64_t n = static_cast<std::int64_t>(beam.size());
  std::int64_t alive = 0;
  double weights = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {  // in order, one thread: see moments()
    if (beam.id[i] <= 0) continue;
    ++alive;
    weights += beam.w[i];
  }
  // ImpactX skips space charge for fewer than two particles; without charge there is no field.
  if (alive < 2 || !(weights > 0.0) || ref.charge == 0.0) return;

  const double gamma = ref.gamma(), beta = ref.beta(), c = constants::c;
  // Delta p / p0 = q E dt / (gamma^2 p0) with dt = L / (beta c), p0 = m c beta gamma: per unit q/m
  // of the particle, L / (c^2 beta^2 gamma^3) (as SpaceChargeSolver::kick).
  const double kick_per_qm = L / (c * c * beta * beta * gamma * gamma * gamma);

  to_fixed_t(beam, ref);
  const BeamMoments m = moments(beam);
  const auto flat = [&](const char* what) {
    to_fixed_s(beam, ref);  // leave the beam as it came
    throw RunError(std::string("space charge (") + (is3d ? "Gauss3D" : "Gauss2p5D") +
                   "): the beam is flat in " + what + " (zero rms size), so it has no Gaussian equivalent");
  };
  if (!(m.sigma[0] > 0.0)) flat("x");
  if (!(m.sigma[1] > 0.0)) flat("y");
  if (!(m.sigma[2] > 0.0) || !(m.z_max > m.z_min)) flat("z");
  const auto [mx, my, mz] = m.mean;

  if (is3d) {
    const Gauss3DField field(m.sigma, gamma, m.weight * ref.charge, settings.gauss_nint);
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      if (beam.id[i] <= 0) continue;
      const auto e = field(beam.x[i] - mx, beam.y[i] - my, beam.t[i] - mz);
      const double k = beam.qm[i] * kick_per_qm;
      beam.px[i] += k * e[0];
      beam.py[i] += k * e[1];
      beam.pt[i] += k * e[2];
    }
  } else {
    // The rest-frame rms length times 1.103 (ImpactX's 1.103 beta gamma sigma_t with sigma_t =
    // sigma_z / beta the fixed-s rms of t): the scale that best fits the on-axis Ez of a long 3D
    // Gaussian bunch. Recomputed every kick because the bunch length changes.
    const double long_scale =
        settings.gauss_long_scale > 0.0 ? settings.gauss_long_scale : 1.103 * gamma * m.sigma[2];
    const Gauss2p5DField field(m.sigma[0], m.sigma[1], long_scale, settings.gauss_nint,
                               settings.gauss_taylor_delta);
    const LineDensity ld = line_density(beam, ref.charge, m.z_min, m.z_max, settings.gauss_charge_z_bins);
    const int nb = static_cast<int>(ld.lambda.size());
    const double* lam = ld.lambda.data();
    const double* slope = ld.slope.data();
    const double inv_h = 1.0 / ld.h;
    const bool longitudinal = settings.apply_longitudinal_kick;
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      if (beam.id[i] <= 0) continue;
      const double u = (beam.t[i] - ld.z0) * inv_h;
      const int j = std::clamp(static_cast<int>(std::floor(u)), 0, nb - 2);
      const double f = std::clamp(u - j, 0.0, 1.0);
      const double lambda = (1.0 - f) * lam[j] + f * lam[j + 1];
      const auto g = field(beam.x[i] - mx, beam.y[i] - my);
      const double k = beam.qm[i] * kick_per_qm;
      beam.px[i] += k * lambda * g[0];
      beam.py[i] += k * lambda * g[1];
      if (longitudinal) beam.pt[i] -= k * ((1.0 - f) * slope[j] + f * slope[j + 1]) * g[2];
    }
  }
  to_fixed_s(beam, ref);
}

}  // namespace wakeline::collective
