#include "distribution/Distribution.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/Constants.hpp"
#include "core/Random.hpp"

namespace wakeline {

namespace {

using constants::pi;

// Unit-covariance samples, in the order (u_x, v_x, u_y, v_y, u_t, v_t): u is the position-like
// and v the momentum-like variable of each plane.
using Unit6 = std::array<double, 6>;

// A point uniformly distributed inside (or, with `surface`, on) the d-ball of radius R.
template <int D>
std::array<double, D> ball(RandomStream& rng, double R, bool surface) {
  std::array<double, D> g;
  double norm2 = 0.0;
  for (double& v : g) {
    v = rng.normal();
    norm2 += v * v;
  }
  const double radius = surface ? R : R * std::pow(rng.uniform(), 1.0 / D);
  const double scale = radius / std::sqrt(norm2);
  for (double& v : g) v *= scale;
  return g;
}

// One (u, v) pair of a 2D Gaussian truncated at `cut` sigma in action (cut <= 0: no
// truncation), rescaled so each variable keeps unit variance.
std::array<double, 2> gaussian_pair(RandomStream& rng, double cut) {
  if (cut <= 0.0) return {rng.normal(), rng.normal()};
  const double edge = std::exp(-0.5 * cut * cut);
  const double r = std::sqrt(-2.0 * std::log(1.0 - rng.uniform() * (1.0 - edge)));
  const double phi = 2.0 * pi * rng.uniform();
  // <u^2> of the truncated pair is 1 - (c^2/2) e^{-c^2/2} / (1 - e^{-c^2/2}).
  const double variance = 1.0 - 0.5 * cut * cut * edge / (1.0 - edge);
  const double scale = 1.0 / std::sqrt(variance);
  return {scale * r * std::cos(phi), scale * r * std::sin(phi)};
}

Unit6 unit_sample(const Distribution& d, RandomStream& rng) {
  const double sqrt3 = std::sqrt(3.0);
  switch (d.kind) {
    case DistributionKind::gaussian: {
      const auto px = gaussian_pair(rng, d.cut[0]);
      const auto py = gaussian_pair(rng, d.cut[1]);
      const auto pt = gaussian_pair(rng, d.cut[2]);
      return {px[0], px[1], py[0], py[1], pt[0], pt[1]};
    }
    case DistributionKind::waterbag: {
      // Uniform in the 6-ball of radius sqrt(8): <u^2> = R^2/(d+2) = 1.
      const auto b = ball<6>(rng, std::sqrt(8.0), false);
      return {b[0], b[1], b[2], b[3], b[4], b[5]};
    }
    case DistributionKind::kvdist: {
      // (x, px, y, py) on the 4-sphere of radius 2; t uniform; pt Gaussian.
      const auto b = ball<4>(rng, 2.0, true);
      return {b[0], b[1], b[2], b[3], sqrt3 * (2.0 * rng.uniform() - 1.0), rng.normal()};
    }
    case DistributionKind::kurth4d: {
      // Kurth's 4D stationary distribution: uniform disk in (x, y); momenta from the radial
      // momentum and angular momentum consistent with it; scaled by 2 to unit covariance.
      const double r = std::sqrt(rng.uniform());
      const double phi = 2.0 * pi * rng.uniform();
      const double Lz = r * (2.0 * rng.uniform() - 1.0);
      const double alpha = pi * rng.uniform();
      const double pmax = std::sqrt(std::max(0.0, (1.0 - r * r) * (1.0 - (Lz / r) * (Lz / r))));
      const double pr = pmax * std::cos(alpha), pphi = Lz / r;
      const double c = std::cos(phi), s = std::sin(phi);
      return {2.0 * r * c,
              2.0 * (pr * c - pphi * s),
              2.0 * r * s,
              2.0 * (pr * s + pphi * c),
              sqrt3 * (2.0 * rng.uniform() - 1.0),
              rng.normal()};
    }
    case DistributionKind::kurth6d: {
      // Kurth's 6D stationary distribution: uniform ball in (x, y, t); tangential momentum
      // L/r with L = r sqrt(u), radial momentum filling the energy shell; scaled by sqrt(5).
      const double cos_th = 2.0 * rng.uniform() - 1.0;
      const double sin_th = std::sqrt(std::max(0.0, 1.0 - cos_th * cos_th));
      const double phi = 2.0 * pi * rng.uniform();
      const double r = std::cbrt(rng.uniform());
      const double L = r * std::sqrt(rng.uniform());
      const double alpha = pi * rng.uniform();
      const double pmax = std::sqrt(std::max(0.0, (1.0 - r * r) * (1.0 - (L / r) * (L / r))));
      const double pr = pmax * std::cos(alpha);
      const double beta = 2.0 * pi * rng.uniform();
      const double p1 = (L / r) * std::cos(beta), p2 = (L / r) * std::sin(beta);
      const double cp = std::cos(phi), sp = std::sin(phi);
      const double k = std::sqrt(5.0);
      return {k * r * sin_th * cp, k * (pr * sin_th * cp + p1 * cos_th * cp - p2 * sp),
              k * r * sin_th * sp, k * (pr * sin_th * sp + p1 * cos_th * sp + p2 * cp),
              k * r * cos_th,      k * (pr * cos_th - p1 * sin_th)};
    }
    case DistributionKind::semigaussian: {
      // (x, y) uniform in the disk of radius 2, t uniform; momenta Gaussian.
      const auto b = ball<2>(rng, 2.0, false);
      return {b[0], rng.normal(), b[1], rng.normal(), sqrt3 * (2.0 * rng.uniform() - 1.0), rng.normal()};
    }
    case DistributionKind::triangle: {
      // t has a ramped (triangular) profile of unit variance; (x, px, y, py) a 4D waterbag.
      const auto b = ball<4>(rng, std::sqrt(6.0), false);
      const double t = std::sqrt(2.0) * (2.0 - 3.0 * std::sqrt(rng.uniform()));
      return {b[0], b[1], b[2], b[3], t, rng.normal()};
    }
    case DistributionKind::thermal:
    case DistributionKind::empty:
      break;
  }
  throw std::logic_error("unit_sample: distribution without a unit generator");
}

// Radial cumulative distributions of the core and halo of the thermal equilibrium, from the
// Poisson-Boltzmann equation integrated outward (Ryne EPAC04; Mitchell HB2023): the potential
// of a population of charge f(r) inside r is f/(4 pi r), the density p exp(-V/kT) with
// V = (k r)^2/2 + self-field. Same grid and scaling as ImpactX, so the equilibrium matches.
struct ThermalTable {
  std::vector<double> cdf_core, cdf_halo;
  double rmin = 0.0, rmax = 0.0, bg = 0.0;
};

ThermalTable thermal_table(const ThermalParameters& tp, double bunch_charge, const RefPart& ref) {
  constexpr int nsteps = 2000;
  ThermalTable tab;
  tab.bg = ref.beta_gamma();
  const double intensity =
      ref.charge_qe() * bunch_charge / (tab.bg * tab.bg * ref.mass_MeV() * 1.0e6 * constants::epsilon0);
  const double w = tp.halo;
  const double kT_mix = (1.0 - w) * tp.kT + w * tp.kT_halo;
  const double a = intensity / (4.0 * pi * 5.0 * std::sqrt(5.0));
  const double r_scale = std::sqrt(kT_mix + std::pow(a * tp.k, 2.0 / 3.0)) / tp.k;
  tab.rmin = 1.0e-10 * r_scale;
  tab.rmax = 10.0 * r_scale;
  const double p_scale = std::pow(r_scale * std::sqrt(2.0 * pi), -3.0);
  const double p1 = tp.normalize * p_scale, p2 = tp.normalize_halo * p_scale;
  const double c1 = (1.0 - w) * intensity, c2 = w * intensity;

  double f1 = 0.0, f2 = 0.0, phi1 = 0.0, phi2 = 0.0, r = tab.rmin;
  const double tau = (tab.rmax - tab.rmin) / nsteps;
  // Strang splitting: advance r with the enclosed charges fixed (potentials update), then the
  // enclosed charges with r fixed.
  const auto drift = [&](double h) {
    const double r_new = r + h;
    phi1 += f1 / (4.0 * pi * r_new) - f1 / (4.0 * pi * r);
    phi2 += f2 / (4.0 * pi * r_new) - f2 / (4.0 * pi * r);
    r = r_new;
  };
  tab.cdf_core.assign(nsteps + 1, 0.0);
  tab.cdf_halo.assign(nsteps + 1, 0.0);
  for (int j = 0; j < nsteps; ++j) {
    drift(0.5 * tau);
    const double potential = 0.5 * (tp.k * r) * (tp.k * r) + c1 * phi1 + c2 * phi2;
    f1 += tau * 4.0 * pi * r * r * p1 * std::exp(-potential / tp.kT);
    f2 += tau * 4.0 * pi * r * r * p2 * std::exp(-potential / tp.kT_halo);
    drift(0.5 * tau);
    tab.cdf_core[j + 1] = f1;
    tab.cdf_halo[j + 1] = f2;
  }
  for (auto* cdf : {&tab.cdf_core, &tab.cdf_halo}) {
    const double norm = cdf->back();
    if (!(norm > 0.0) || !std::isfinite(norm))
      throw std::runtime_error("thermal distribution: radial profile is empty");
    for (double& v : *cdf) v /= norm;
  }
  return tab;
}

double sample_radius(const std::vector<double>& cdf, double rmin, double rmax, double u) {
  const auto it = std::lower_bound(cdf.begin(), cdf.end(), u);
  const int nbins = static_cast<int>(cdf.size()) - 1;
  const int off = std::clamp(static_cast<int>(it - cdf.begin()) - 1, 0, nbins - 1);
  const double frac = (u - cdf[off]) / (cdf[off + 1] - cdf[off]);
  return rmin + (rmax - rmin) * (off + frac) / nbins;
}

}  // namespace

Matrix6 covariance(const Distribution& dist) {
  if (dist.kind == DistributionKind::thermal || dist.kind == DistributionKind::empty) {
    throw std::invalid_argument("covariance: the thermal and empty distributions have no lambda/mu form");
  }
  Matrix6 sigma;
  for (int p = 0; p < 3; ++p) {
    const PlaneParameters& pp = dist.planes[p];
    const double r = 1.0 - pp.mu * pp.mu;
    sigma(2 * p, 2 * p) = pp.lambda_q * pp.lambda_q / r;
    sigma(2 * p, 2 * p + 1) = sigma(2 * p + 1, 2 * p) = -pp.lambda_q * pp.lambda_p * pp.mu / r;
    sigma(2 * p + 1, 2 * p + 1) = pp.lambda_p * pp.lambda_p / r;
  }
  Matrix6 d = Matrix6::identity();
  for (int j = 0; j < 4; ++j) d(j, 5) = -dist.dispersion[j];
  return d * sigma * d.transpose();
}

PlaneParameters plane_from_twiss(double alpha, double beta, double emittance) {
  const double gamma = (1.0 + alpha * alpha) / beta;
  return {std::sqrt(emittance / gamma), std::sqrt(emittance / beta), alpha / std::sqrt(beta * gamma)};
}

bool parse_distribution_kind(const std::string& name, DistributionKind& kind) {
  static const std::pair<const char*, DistributionKind> table[] = {
      {"gaussian", DistributionKind::gaussian}, {"waterbag", DistributionKind::waterbag},
      {"kvdist", DistributionKind::kvdist},     {"kurth4d", DistributionKind::kurth4d},
      {"kurth6d", DistributionKind::kurth6d},   {"semigaussian", DistributionKind::semigaussian},
      {"triangle", DistributionKind::triangle}, {"thermal", DistributionKind::thermal},
      {"empty", DistributionKind::empty}};
  for (const auto& [n, k] : table) {
    if (name == n) {
      kind = k;
      return true;
    }
  }
  return false;
}

const char* distribution_kind_name(DistributionKind kind) {
  switch (kind) {
    case DistributionKind::gaussian:
      return "gaussian";
    case DistributionKind::waterbag:
      return "waterbag";
    case DistributionKind::kvdist:
      return "kvdist";
    case DistributionKind::kurth4d:
      return "kurth4d";
    case DistributionKind::kurth6d:
      return "kurth6d";
    case DistributionKind::semigaussian:
      return "semigaussian";
    case DistributionKind::triangle:
      return "triangle";
    case DistributionKind::thermal:
      return "thermal";
    case DistributionKind::empty:
      return "empty";
  }
  return "?";
}

void sample(const Distribution& dist, std::size_t n, std::uint64_t seed, const RefPart& ref, double weight,
            Particles& out) {
  if (dist.kind == DistributionKind::empty || n == 0) return;
  const std::size_t first = out.size();
  std::int64_t next_id = 1;
  for (std::size_t i = 0; i < first; ++i) next_id = std::max(next_id, std::abs(out.id[i]) + 1);
  out.resize(first + n);

  ThermalTable thermal;
  if (dist.kind == DistributionKind::thermal) {
    const double bunch_charge = weight * static_cast<double>(n) * constants::q_e;
    thermal = thermal_table(dist.thermal, bunch_charge, ref);
  }
  const double qm = ref.qm();
  const auto count = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < count; ++k) {
    RandomStream rng(seed, static_cast<std::uint64_t>(k));
    double c[6];  // x, px, y, py, t, pt
    if (dist.kind == DistributionKind::thermal) {
      // Not in the lambda/mu form: physical positions from the radial table, momenta from the
      // temperature, the longitudinal pair converted to (t, pt) with beta gamma.
      const bool halo = rng.uniform() <= dist.thermal.halo;
      const double kT = halo ? dist.thermal.kT_halo : dist.thermal.kT;
      const auto dir = ball<3>(rng, 1.0, true);
      const double r = sample_radius(halo ? thermal.cdf_halo : thermal.cdf_core, thermal.rmin, thermal.rmax,
                                     rng.uniform());
      const double sq = std::sqrt(kT);
      c[0] = dir[0] * r, c[2] = dir[1] * r;
      c[1] = sq * rng.normal(), c[3] = sq * rng.normal();
      c[4] = -dir[2] * r / thermal.bg;
      c[5] = -sq * rng.normal() * thermal.bg;
    } else {
      const Unit6 u = unit_sample(dist, rng);
      for (int p = 0; p < 3; ++p) {
        const PlaneParameters& pp = dist.planes[p];
        const double root = std::sqrt(1.0 - pp.mu * pp.mu);
        c[2 * p] = pp.lambda_q * u[2 * p] / root;
        c[2 * p + 1] = pp.lambda_p * (-pp.mu * u[2 * p] / root + u[2 * p + 1]);
      }
      // Dispersion (pt = -dE/(p0 c), hence the minus sign), then the means.
      c[0] -= dist.dispersion[0] * c[5];
      c[1] -= dist.dispersion[1] * c[5];
      c[2] -= dist.dispersion[2] * c[5];
      c[3] -= dist.dispersion[3] * c[5];
    }
    for (int j = 0; j < 6; ++j) c[j] += dist.mean[j];
    const std::size_t i = first + static_cast<std::size_t>(k);
    out.x[i] = c[0], out.px[i] = c[1], out.y[i] = c[2], out.py[i] = c[3], out.t[i] = c[4], out.pt[i] = c[5];
    out.qm[i] = qm;
    out.w[i] = weight;
    out.s_lost[i] = 0.0;
    out.id[i] = next_id + k;
  }
}

}  // namespace wakeline
