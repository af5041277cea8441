// Quasi-static r-z sheet solver (plasma/QuasiStatic2D): invariants, the undriven plasma, the beam source
// against a Gaussian line charge, linear PWFA (Keinigs-Jones) and LWFA (Esarey et al.) wakes, and the
// blowout ion-channel fields. Normalised units throughout (k_p, E0, n_p); reference/plasma.md 1.6, 4.2-4.4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <vector>

#include "core/Error.hpp"
#include "plasma/QuasiStatic2D.hpp"

using namespace wakeline;
using namespace wakeline::plasma;

namespace {

constexpr double kPi = std::numbers::pi;

// Bi-Gaussian charge density on the grid (units of e n_p); negative = electron beam.
std::vector<double> gaussian_beam(const QuasiStatic2D& qs, double nb, double sr, double sz, double xi0 = 0) {
  std::vector<double> rho(static_cast<std::size_t>(qs.config().n_r) * qs.config().n_xi);
  for (int j = 0; j < qs.config().n_xi; ++j)
    for (int k = 0; k < qs.config().n_r; ++k) {
      const double r = qs.r(k), z = qs.xi(j) - xi0;
      rho[qs.index(j, k)] = -nb * std::exp(-r * r / (2 * sr * sr) - z * z / (2 * sz * sz));
    }
  return rho;
}

// Exponential integral E1 by its power series (x < 1 here).
double expint_e1(double x) {
  double sum = 0, term = 1;
  for (int k = 1; k < 60; ++k) {
    term *= -x / k;
    sum += term / k;
  }
  return -std::numbers::egamma - std::log(x) - sum;
}

QuasiStatic2DConfig pwfa_config(PlasmaPusher pusher) {
  QuasiStatic2DConfig c;
  c.r_max = 6;
  c.n_r = 120;
  c.xi_min = -12;
  c.xi_max = 5;
  c.n_xi = 341;
  c.ppc = 2;
  c.plasma_pusher = pusher;
  return c;
}

}  // namespace

TEST(QuasiStatic2D, InvariantHoldsForEverySheetAfterTheMarch) {
  QuasiStatic2DConfig c = pwfa_config(PlasmaPusher::ab5);
  QuasiStatic2D qs(c);
  // A moderately nonlinear driver plus a laser, so gamma, p_z and psi all move away from their rest values.
  std::vector<double> rho = gaussian_beam(qs, 0.5, 0.5, 1.0);
  std::vector<double> a2(rho.size());
  for (int j = 0; j < c.n_xi; ++j)
    for (int k = 0; k < c.n_r; ++k)
      a2[qs.index(j, k)] =
          0.25 * std::exp(-2 * std::pow(qs.xi(j) + 6, 2) / 4.0 - 2 * std::pow(qs.r(k), 2) / 9.0);
  qs.update(rho, a2);
  EXPECT_EQ(qs.resets(), 0);
  const auto& s = qs.sheets();
  double worst = 0, moved = 0, max_psi = 0;
  for (int i = 0; i < qs.n_sheets(); ++i) {
    worst = std::max(worst, std::abs(s.gamma[i] - s.pz[i] - s.psi[i] - 1));
    moved = std::max(moved, std::abs(s.p[i]));
    max_psi = std::max(max_psi, std::abs(s.psi[i]));
  }
  std::printf("invariant: max |gamma - p_z - psi - 1| = %.2e (max |p_r| %.3f, max |psi| %.3f)\n", worst,
              moved, max_psi);
  EXPECT_GT(moved, 1e-2);
  EXPECT_GT(max_psi, 1e-2);
  EXPECT_LT(worst, 1e-13);
}

TEST(QuasiStatic2D, NoDriverGivesNoWakeAndStillSheets) {
  for (PlasmaPusher pusher : {PlasmaPusher::ab5, PlasmaPusher::rk4}) {
    QuasiStatic2DConfig c = pwfa_config(pusher);
    c.ppc = 5;  // odd ppc puts a sheet centre on every grid radius: the partial-annulus path is exercised
    c.r_max_plasma = 4.3;
    QuasiStatic2D qs(c);
    qs.update({});
    double worst = 0;
    for (const auto* f : {&qs.psi(), &qs.Ez(), &qs.Wr(), &qs.Btheta(), &qs.Er()})
      for (double v : *f) worst = std::max(worst, std::abs(v));
    double moved = 0;
    const auto& s = qs.sheets();
    for (int i = 0; i < qs.n_sheets(); ++i)
      moved = std::max({moved, std::abs(s.r[i] - (i + 0.5) * qs.dr() / c.ppc), std::abs(s.p[i])});
    std::printf("no driver: max |field| = %.2e, max sheet displacement/momentum = %.2e\n", worst, moved);
    EXPECT_LT(worst, 1e-12);
    EXPECT_LT(moved, 1e-12);
    // Inside the plasma the deposited density is n_p.
    const int j = c.n_xi / 2;
    for (int k = 0; k < 80; ++k) EXPECT_NEAR(qs.density()[qs.index(j, k)], 1.0, 2e-3) << "k=" << k;
  }
}

TEST(QuasiStatic2D, BeamSourceMatchesGaussianLineCharge) {
  QuasiStatic2DConfig c;
  c.r_max = 4;
  c.n_r = 100;
  c.xi_min = -5;
  c.xi_max = 5;
  c.n_xi = 201;
  QuasiStatic2D qs(c);
  const double sr = 0.5, sz = 1.0, Q = 0.01 * std::pow(2 * kPi, 1.5) * sr * sr * sz;  // peak n_b = 0.01
  // Stratified loading, so that the check sees the deposit and the source and not sampling noise: radii
  // from equal-probability strata of the 2D Gaussian (r = sigma sqrt(-2 ln u)), xi on a lattice ten times
  // finer than the grid with Gaussian weights. The azimuth does not enter an r-z deposit.
  const int n_rad = 200, n_long = 2001;
  const double dz = 10.0 * sz / (n_long - 1);
  const std::size_t n = static_cast<std::size_t>(n_rad) * n_long;
  std::vector<double> x(n), y(n, 0.0), xi(n), w(n);
  for (int b = 0; b < n_long; ++b)
    for (int a = 0; a < n_rad; ++a) {
      const std::size_t m = static_cast<std::size_t>(b) * n_rad + a;
      const double z = -5 * sz + b * dz;
      x[m] = sr * std::sqrt(-2 * std::log((a + 0.5) / n_rad));
      xi[m] = z;
      w[m] = Q * std::exp(-z * z / (2 * sz * sz)) / (std::sqrt(2 * kPi) * sz) * dz / n_rad;
    }
  const std::vector<double> rho = deposit_beam(qs, x.data(), y.data(), xi.data(), w.data(), n, -1.0);
  qs.update(rho);
  double worst = 0;
  for (int j = 0; j < c.n_xi; ++j) {
    if (std::abs(qs.xi(j)) > sz) continue;
    const double lambda = -Q * std::exp(-qs.xi(j) * qs.xi(j) / (2 * sz * sz)) / (std::sqrt(2 * kPi) * sz);
    for (int k = 0; k < c.n_r; ++k) {
      const double r = qs.r(k);
      if (r < 0.5 * sr || r > 3.5) continue;
      const double exact = lambda / (2 * kPi) * (1 - std::exp(-r * r / (2 * sr * sr))) / r;
      const double e = std::abs(qs.Btheta_beam()[qs.index(j, k)] / exact - 1);
      worst = std::max(worst, e);
    }
  }
  std::printf("beam source: max relative error of b_theta^beam for r >= sigma_r/2, |xi| <= sigma_z: %.3e\n",
              worst);
  EXPECT_LT(worst, 1e-2);
}

TEST(QuasiStatic2D, BeamSourceKeepsTheChargeOfANarrowBeam) {
  // A witness about one radial cell wide (sigma_r = 1.3 dr, like the LWFA example's): most of its charge
  // is deposited in the first two cells. Outside the beam, r b_theta^beam must be the whole deposited line
  // charge / (2 pi), to round-off. Converting the axis cell back with another volume than the deposit's,
  // and subtracting the axis-cell correction at every radius, lost 8 % of it there, and with it 10 % of
  // the beam loading of that witness against Wake-T.
  QuasiStatic2DConfig c;
  c.r_max = 2;
  c.n_r = 40;
  c.xi_min = -2;
  c.xi_max = 2;
  c.n_xi = 41;
  QuasiStatic2D qs(c);
  const double sr = 1.3 * qs.dr(), sz = 0.5;
  const int n_rad = 200, n_long = 301;
  const std::size_t n = static_cast<std::size_t>(n_rad) * n_long;
  std::vector<double> x(n), y(n, 0.0), xi(n), w(n);
  double r_beam = 0;
  for (int b = 0; b < n_long; ++b)
    for (int a = 0; a < n_rad; ++a) {
      const std::size_t m = static_cast<std::size_t>(b) * n_rad + a;
      const double z = -1.5 + 3.0 * (b + 0.37) / n_long;  // off the nodes
      x[m] = sr * std::sqrt(-2 * std::log((a + 0.5) / n_rad));
      xi[m] = z;
      w[m] = 1e-3 * std::exp(-z * z / (2 * sz * sz));
      r_beam = std::max(r_beam, x[m]);
    }
  const std::vector<double> rho = deposit_beam(qs, x.data(), y.data(), xi.data(), w.data(), n, -1.0);
  qs.update(rho);
  // Line charge of every slice with the deposit's linear weights in xi.
  std::vector<double> lambda(c.n_xi, 0.0);
  for (std::size_t m = 0; m < n; ++m) {
    const double v = (xi[m] - c.xi_min) / qs.dxi();
    const int j = static_cast<int>(v);
    lambda[j] -= w[m] * (1 - (v - j)) / qs.dxi();
    lambda[j + 1] -= w[m] * (v - j) / qs.dxi();
  }
  double worst = 0;
  int checked = 0;
  for (int j = 0; j < c.n_xi; ++j) {
    if (lambda[j] == 0) continue;
    for (int k = 0; k < c.n_r; ++k) {
      const double r = qs.r(k);
      if (r - 0.5 * qs.dr() <= r_beam + qs.dr()) continue;  // the linear shape reaches one cell out
      const double exact = lambda[j] / (2 * kPi * r);
      worst = std::max(worst, std::abs(qs.Btheta_beam()[qs.index(j, k)] / exact - 1));
      ++checked;
    }
  }
  std::printf("narrow beam source: max relative error of r b_theta^beam outside the beam: %.3e (%d points)\n",
              worst, checked);
  EXPECT_GT(checked, 500);
  EXPECT_LT(worst, 1e-12);
}

class QuasiStatic2DLinearPwfa : public ::testing::TestWithParam<PlasmaPusher> {};

TEST_P(QuasiStatic2DLinearPwfa, OnAxisEzMatchesKeinigsJones) {
  const double nb = 0.01, sr = 0.5, sz = 1.0;
  QuasiStatic2D qs(pwfa_config(GetParam()));
  qs.update(gaussian_beam(qs, nb, sr, sz));
  const double x = 0.5 * sr * sr, R0 = x * std::exp(x) * expint_e1(x);
  double num = 0, den = 0, peak = 0;
  for (int j = 0; j < qs.config().n_xi; ++j) {
    // E_z / E0 = n_b R(0) int_{-inf}^{zeta} f(zeta') cos(zeta - zeta') d zeta', zeta = -xi.
    const double zeta = -qs.xi(j);
    const int m = 20000;
    const double lo = -8 * sz, step = (zeta - lo) / m;
    double integral = 0;
    for (int i = 0; i <= m; ++i) {
      const double zp = lo + i * step;
      const double f = std::exp(-zp * zp / (2 * sz * sz)) * std::cos(zeta - zp);
      integral += (i == 0 || i == m) ? 0.5 * f : f;
    }
    const double exact = zeta > lo ? nb * R0 * integral * step : 0.0;
    const double ez = qs.Ez()[qs.index(j, 0)];
    num += (ez - exact) * (ez - exact);
    den += exact * exact;
    peak = std::max(peak, std::abs(ez));
  }
  const double l2 = std::sqrt(num / den);
  const double expected_peak = nb * std::sqrt(2 * kPi) * sz * std::exp(-0.5 * sz * sz) * R0;
  std::printf("linear PWFA (%s): L2 relative error %.3e, peak |E_z| %.4e (formula %.4e)\n",
              GetParam() == PlasmaPusher::ab5 ? "ab5" : "rk4", l2, peak, expected_peak);
  EXPECT_LT(l2, 0.025);
}

INSTANTIATE_TEST_SUITE_P(Pushers, QuasiStatic2DLinearPwfa,
                         ::testing::Values(PlasmaPusher::ab5, PlasmaPusher::rk4));

TEST(QuasiStatic2D, LinearLwfaPeakField) {
  // Circular polarisation, <a^2> = a0^2 exp(-2 xi^2/L^2 - 2 r^2/w0^2): E_max = a0^2 sqrt(pi/(2e)) for
  // k_p L = 2 (linear theory, a0^2 << 1; on axis independent of w0).
  const double a0 = 0.1, L = 2, w0 = 5;
  QuasiStatic2DConfig c;
  c.r_max = 15;
  c.n_r = 150;
  c.xi_min = -14;
  c.xi_max = 6;
  c.n_xi = 401;
  c.ppc = 2;
  QuasiStatic2D qs(c);
  std::vector<double> a2(static_cast<std::size_t>(c.n_r) * c.n_xi), da2(a2.size());
  for (int j = 0; j < c.n_xi; ++j)
    for (int k = 0; k < c.n_r; ++k) {
      const double r = qs.r(k), z = qs.xi(j);
      a2[qs.index(j, k)] = a0 * a0 * std::exp(-2 * z * z / (L * L) - 2 * r * r / (w0 * w0));
      da2[qs.index(j, k)] = -4 * r / (w0 * w0) * a2[qs.index(j, k)];
    }
  qs.update({}, a2, da2);
  double peak = 0;
  for (int j = 0; j < c.n_xi; ++j)
    if (qs.xi(j) < -2 * L) peak = std::max(peak, std::abs(qs.Ez()[qs.index(j, 0)]));
  const double expected = a0 * a0 * std::sqrt(kPi) / (2 * std::sqrt(2.0)) * L * std::exp(-L * L / 8);
  std::printf("linear LWFA: peak |E_z| = %.5e, formula %.5e (%.4f a0^2), relative error %.3e\n", peak,
              expected, expected / (a0 * a0), peak / expected - 1);
  EXPECT_NEAR(peak / expected, 1.0, 0.03);
}

TEST(QuasiStatic2D, BlowoutIonChannelFields) {
  // Lambda = n_b sigma_r^2 = 10: a bubble of k_p R ~ 4.5. The 1/2 slope is the large-bubble limit (Lu et
  // al.); at this size it is a few per cent lower, which the 10 % tolerance allows.
  const double nb = 10, sr = 1.0, sz = 0.7;
  QuasiStatic2DConfig c;
  c.r_max = 14;
  c.n_r = 350;
  c.xi_min = -14;
  c.xi_max = 3;
  c.n_xi = 501;
  c.ppc = 2;
  QuasiStatic2D qs(c);
  qs.update(gaussian_beam(qs, nb, sr, sz));
  // The electron-free region on axis behind the driver.
  int j_hi = -1, j_lo = -1;
  for (int j = c.n_xi - 1; j >= 0; --j) {
    if (qs.xi(j) > -2 * sz) continue;
    const bool empty = qs.density()[qs.index(j, 0)] < 0.02;
    if (empty && j_hi < 0) j_hi = j;
    if (!empty && j_hi >= 0) {
      j_lo = j + 1;
      break;
    }
  }
  ASSERT_GT(j_hi, 0);
  ASSERT_GT(j_lo, 0);
  ASSERT_GT(qs.xi(j_hi) - qs.xi(j_lo), 3.0) << "no bubble";
  // Least-squares slope of E_z(xi) on axis over the middle half of the bubble.
  const int a = j_lo + (j_hi - j_lo) / 4, b = j_hi - (j_hi - j_lo) / 4;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int j = a; j <= b; ++j) {
    const double x = qs.xi(j), y = qs.Ez()[qs.index(j, 0)];
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double n = b - a + 1, slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  // At the bubble centre, inside the channel (density below 2 %): focusing W_r / r = 1/2, and Ampere's law
  // with only the displacement current, c B_theta = (r/2) dE_z/dzeta, a check of the implicit B_theta
  // solve against E_z = d psi / d zeta, which comes from the sheet sums independently of it.
  const int jm = (j_lo + j_hi) / 2;
  const double dez_dzeta = -(qs.Ez()[qs.index(jm + 1, 0)] - qs.Ez()[qs.index(jm - 1, 0)]) / (2 * qs.dxi());
  double worst_wr = 0, worst_b = 0;
  int cells = 0;
  for (int k = 0; k < c.n_r && qs.density()[qs.index(jm, k)] < 0.02; ++k) {
    worst_wr = std::max(worst_wr, std::abs(qs.Wr()[qs.index(jm, k)] / qs.r(k) - 0.5));
    const double bt = qs.Btheta()[qs.index(jm, k)] - qs.Btheta_beam()[qs.index(jm, k)];
    worst_b = std::max(worst_b, std::abs(bt / (0.5 * qs.r(k) * dez_dzeta) - 1));
    ++cells;
  }
  std::printf(
      "blowout: bubble xi in [%.2f, %.2f], dE_z/dxi = %.4f (1/2 expected), channel radius %.2f, "
      "max |W_r/r - 1/2| = %.2e, Ampere B_theta rel. error %.2e, resets %ld\n",
      qs.xi(j_lo), qs.xi(j_hi), slope, cells * qs.dr(), worst_wr, worst_b, qs.resets());
  EXPECT_NEAR(slope, 0.5, 0.05);
  EXPECT_GT(cells, 40);
  EXPECT_LT(worst_wr, 0.05);
  EXPECT_LT(worst_b, 0.02);
}

TEST(QuasiStatic2D, PsiGuardsClipTheSheetsAndAreValidated) {
  // Wake-T's current model clips psi at the sheets to [-0.99, 0.99]; in the blowout above the closing
  // sheets reach psi > 1, so the cap must hold there, and the invariant must keep using the clipped psi.
  QuasiStatic2DConfig c;
  c.r_max = 14;
  c.n_r = 350;
  c.xi_min = -14;
  c.xi_max = 3;
  c.n_xi = 501;
  c.ppc = 2;
  c.psi_min = -0.99;
  c.psi_max = 0.99;
  QuasiStatic2D qs(c);
  qs.update(gaussian_beam(qs, 10, 1.0, 0.7));
  const auto& s = qs.sheets();
  double psi_max = -1e30, psi_min = 1e30, worst = 0;
  for (int i = 0; i < qs.n_sheets(); ++i) {
    psi_max = std::max(psi_max, s.psi[i]);
    psi_min = std::min(psi_min, s.psi[i]);
    worst = std::max(worst, std::abs(s.gamma[i] - s.pz[i] - s.psi[i] - 1));
  }
  std::printf("psi guards: sheet psi in [%.3f, %.3f], max |gamma - p_z - psi - 1| = %.2e\n", psi_min, psi_max,
              worst);
  EXPECT_LE(psi_max, 0.99);
  EXPECT_GE(psi_min, -0.99);
  EXPECT_LT(worst, 1e-12);
  for (const double bad : {-1.0, 0.1}) {
    QuasiStatic2DConfig b = c;
    b.psi_min = bad;
    EXPECT_THROW(QuasiStatic2D{b}, InputError);
  }
  QuasiStatic2DConfig b = c;
  b.psi_max = -0.1;
  EXPECT_THROW(QuasiStatic2D{b}, InputError);
}

TEST(QuasiStatic2D, GatherProjectsAndConvertsToSi) {
  QuasiStatic2D qs(pwfa_config(PlasmaPusher::ab5));
  qs.update(gaussian_beam(qs, 0.01, 0.5, 1.0));
  const int j = 150, k = 20;
  const double r = qs.r(k), xi = qs.xi(j), ang = 0.7;
  const WakeFields f = qs.gather(r * std::cos(ang), r * std::sin(ang), xi);
  EXPECT_NEAR(f.Ez, qs.Ez()[qs.index(j, k)], 1e-15);
  EXPECT_NEAR(f.Ex, qs.Er()[qs.index(j, k)] * std::cos(ang), 1e-15);
  EXPECT_NEAR(f.By, qs.Btheta()[qs.index(j, k)] * std::cos(ang), 1e-15);
  EXPECT_NEAR(f.Bx, -qs.Btheta()[qs.index(j, k)] * std::sin(ang), 1e-15);
  const PlasmaUnits u(1e23);
  EXPECT_NEAR(u.E0, 3.041e10, 0.001 * 3.041e10);  // table 4.1: 30.41 GV/m at 1e17 cm^-3
  const WakeFields s = qs.gather_si(r * std::cos(ang) / u.k_p, r * std::sin(ang) / u.k_p, xi / u.k_p, u);
  EXPECT_NEAR(s.Ez, f.Ez * u.E0, 1e-9 * std::abs(f.Ez * u.E0));
  EXPECT_NEAR(s.By, f.By * u.E0 / 299792458.0, 1e-9 * std::abs(s.By));
  EXPECT_EQ(qs.gather(0.1, 0, qs.config().xi_max + 1).Ez, 0.0);
  QuasiStatic2DConfig bad = pwfa_config(PlasmaPusher::ab5);
  bad.n_r = 0;
  EXPECT_THROW(QuasiStatic2D{bad}, InputError);
}

// A lost particle (non-finite position) or one beyond r_max deposits nothing; it used to land on the axis.
TEST(QuasiStatic2D, DepositIgnoresNonFiniteAndFarParticles) {
  QuasiStatic2DConfig c;
  c.r_max = 2, c.n_r = 10, c.xi_min = -1, c.xi_max = 1, c.n_xi = 11;
  QuasiStatic2D qs(c);
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  const std::vector<double> x = {nan, inf, 5.0, 0.0}, y = {0.0, 0.0, 0.0, nan}, xi = {0.0, 0.0, 0.0, 0.0};
  const std::vector<double> w(4, 1.0);
  const std::vector<double> rho = deposit_beam(qs, x.data(), y.data(), xi.data(), w.data(), x.size(), -1.0);
  for (const double v : rho) EXPECT_EQ(v, 0.0);
}
