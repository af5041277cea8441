// Synchrotron radiation in bends: the ISR kick (Niel et al. expansion, species constants,
// reproducibility, reference energy loss) and the 1D steady-state CSR wake (normalisation and
// shape against the analytic Gaussian results of Derbenev et al. 1995).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "collective/CoherentRadiation.hpp"
#include "collective/Radiation.hpp"
#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "core/ParallelFor.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"

using namespace wakeline;
using namespace wakeline::collective;

namespace {

// CODATA 2018 values, independent of the code under test.
constexpr double kElectronRadius = 2.8179403262e-15;   // m
constexpr double kElectronCompton = 3.8615926796e-13;  // hbar/(m_e c), m
constexpr double kProtonRadius = 1.53469825809e-18;    // m (r_e m_e/m_p)
constexpr double kProtonCompton = 2.10308910336e-16;   // m

RefPart reference(const char* species, double kinetic_MeV) {
  RefPart r;
  r.set_species(species);
  r.set_kin_energy_MeV(kinetic_MeV);
  return r;
}

// n particles on the reference energy (pt = 0), ids 1..n, weight w each.
Particles cold_beam(std::size_t n, double w = 1.0) {
  Particles b;
  b.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    b.x[i] = b.y[i] = b.t[i] = b.px[i] = b.py[i] = b.pt[i] = 0.0;
    b.qm[i] = 0.0, b.w[i] = w, b.s_lost[i] = 0.0;
    b.id[i] = static_cast<std::int64_t>(i + 1);
  }
  return b;
}

double mean(const ParticleVector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double variance(const ParticleVector<double>& v) {
  const double m = mean(v);
  double s = 0.0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

// Inverse of the standard normal CDF (Acklam's rational approximation refined by one Halley step).
double inverse_normal_cdf(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p > 1.0 - 0.02425) {
    const double q = std::sqrt(-2.0 * std::log(1.0 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2.0 * constants::pi) * std::exp(x * x / 2.0);
  return x - u / (1.0 + x * u / 2.0);
}

// A Gaussian bunch in t (rms sigma) of `real` particles, sampled at the quantiles: no sampling
// noise, so the tests see the discretisation error alone.
Particles gaussian_in_t(std::size_t n, double sigma, double real) {
  Particles b = cold_beam(n, real / static_cast<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    b.t[i] = sigma * inverse_normal_cdf((static_cast<double>(i) + 0.5) / static_cast<double>(n));
  }
  return b;
}

struct ThreadCount {  // restores the thread count at the end of a test
  int saved = max_threads();
  ~ThreadCount() { set_threads(saved); }
};

}  // namespace

// ------------------------------------------------------------------------------------------ ISR

TEST(Isr, SpeciesConstants) {
  const RefPart e = reference("electron", 1e3), p = reference("proton", 1e3);
  EXPECT_NEAR(classical_radius(e) / kElectronRadius, 1.0, 1e-9);
  EXPECT_NEAR(reduced_compton_wavelength(e) / kElectronCompton, 1.0, 1e-9);
  EXPECT_NEAR(classical_radius(p) / kProtonRadius, 1.0, 1e-8);  // r_p from r_e m_e/m_p
  EXPECT_NEAR(reduced_compton_wavelength(p) / kProtonCompton, 1.0, 1e-8);
}

TEST(Isr, BendRadiusOfTheBendTypes) {
  const RefPart ref = reference("electron", 1e3);
  elements::Sbend sb;
  sb.ds = 1.0, sb.rc = -10.0;
  EXPECT_EQ(radiation_bend_radius(Element(sb), ref), -10.0);
  elements::ExactSbend es;
  es.ds = 0.1, es.phi_deg = 0.5729577951308232;
  EXPECT_NEAR(radiation_bend_radius(Element(es), ref), 10.0, 1e-12);
  elements::CFbend cf;
  cf.ds = 1.0, cf.rc = 5.0;
  EXPECT_EQ(radiation_bend_radius(Element(cf), ref), 5.0);
  elements::ExactCFbend ecf;
  ecf.ds = 1.0, ecf.k_normal = {0.25};
  EXPECT_NEAR(radiation_bend_radius(Element(ecf), ref), 4.0, 1e-12);
  ecf.k_normal = {0.0, 1.0};
  EXPECT_EQ(radiation_bend_radius(Element(ecf), ref), 0.0);
  elements::Drift d;
  d.ds = 1.0;
  EXPECT_EQ(radiation_bend_radius(Element(d), ref), 0.0);
  sb.rc = 0.0;
  EXPECT_EQ(radiation_bend_radius(Element(sb), ref), 0.0);
}

TEST(Isr, QuantumFactorsAreTheTaylorSums) {
  const double chi = 0.02, s3 = std::sqrt(3.0);
  const IsrFactors f1 = isr_factors(chi, 1), f2 = isr_factors(chi, 2), f3 = isr_factors(chi, 3);
  EXPECT_DOUBLE_EQ(f1.g, 1.0);
  EXPECT_DOUBLE_EQ(f1.h, 55.0 / (16.0 * s3) * chi);
  EXPECT_NEAR(f2.g, 1.0 - 55.0 * s3 / 16.0 * chi, 1e-15);
  EXPECT_NEAR(f2.h, f1.h - 28.0 * chi * chi, 1e-15);
  EXPECT_NEAR(f3.g, f2.g + 48.0 * chi * chi, 1e-15);
  EXPECT_NEAR(f3.h, f2.h + 14245.0 * s3 / 64.0 * chi * chi * chi, 1e-15);
}

// ImpactX's example (reference/impactx.md 7.4(6)) on a beam at the reference energy, one slice:
// the mean and variance of the relative momentum change are tau and tau h(chi).
TEST(Isr, OneSliceMeanAndSpreadFollowTheFormulas) {
  const RefPart ref0 = reference("electron", 100.0e3);
  const double rc = 10.0, L = 0.1 / 25, gamma = ref0.gamma();
  Particles beam = cold_beam(200000);
  RefPart ref = ref0;
  RadiationSettings s;
  s.isr = true;
  EXPECT_EQ(isr_kick(beam, ref, L, rc, s, 7, 3), 0.0);
  EXPECT_EQ(ref.pt, ref0.pt);  // the reference keeps its energy by default
  const double tau = 2.0 / 3.0 * kElectronRadius * L * gamma * gamma * gamma / (rc * rc);
  const double var = 55.0 / (24.0 * std::sqrt(3.0)) * kElectronCompton * kElectronRadius * L *
                     std::pow(gamma, 5) / (rc * rc * rc);
  // pt = -dp for gamma >> 1; the sampling error of the mean is sqrt(var/n) = 1.6 % of tau.
  EXPECT_NEAR(mean(beam.pt) / tau, 1.0, 0.05);
  EXPECT_NEAR(variance(beam.pt) / var, 1.0, 0.02);
  EXPECT_EQ(mean(beam.px), 0.0);
}

// Orders 2 and 3 draw the same xi per particle, so each particle's kick must follow
// dp = -tau g(chi) + sqrt(tau h(chi)) xi with xi recovered from the first-order run.
TEST(Isr, HigherOrdersScaleMeanAndSpreadByGAndH) {
  const RefPart ref0 = reference("electron", 100.0e3);
  const double rc = 10.0, L = 0.004;
  const double bg = ref0.beta_gamma();
  const double tau = 2.0 / 3.0 * kElectronRadius * L * bg * bg * bg / (rc * rc);
  const double chi = bg * bg / rc * kElectronCompton;
  std::vector<Particles> runs;
  for (int order = 1; order <= 3; ++order) {
    Particles beam = cold_beam(20000);
    RefPart ref = ref0;
    RadiationSettings s;
    s.isr = true, s.isr_order = order;
    isr_kick(beam, ref, L, rc, s, 11, 5);
    runs.push_back(std::move(beam));
  }
  const auto dp_of = [&](double pt) {  // invert pt = (gamma_ref - gamma_f)/bg_ref exactly
    const double gamma_f = ref0.gamma() - bg * pt;
    return std::sqrt(gamma_f * gamma_f - 1.0) / bg - 1.0;
  };
  const IsrFactors f1 = isr_factors(chi, 1);
  for (int order = 2; order <= 3; ++order) {
    const IsrFactors f = isr_factors(chi, order);
    double worst = 0.0;
    for (std::size_t i = 0; i < runs[0].size(); ++i) {
      const double xi = (dp_of(runs[0].pt[i]) + tau * f1.g) / std::sqrt(tau * f1.h);
      const double expected = -tau * f.g + std::sqrt(tau * f.h) * xi;
      worst = std::fmax(worst, std::fabs(dp_of(runs[static_cast<std::size_t>(order - 1)].pt[i]) - expected));
    }
    EXPECT_LT(worst, 1e-9 * tau) << "order " << order;
  }
  // The sizes of the corrections at chi = 1.48e-3 (100 GeV electrons, rho = 10 m): the mean loss
  // drops by 0.9 % and the variance by 2.1 % from order 1 to 2; order 3 adds back 0.01 % and 0.04 %.
  EXPECT_NEAR(chi, 1.4795e-3, 1e-6);
  EXPECT_NEAR(isr_factors(chi, 2).g, 0.99119, 1e-5);
  EXPECT_NEAR(isr_factors(chi, 2).h / f1.h, 0.97914, 1e-5);
  EXPECT_NEAR(isr_factors(chi, 3).g, 0.99130, 1e-5);
  EXPECT_NEAR(isr_factors(chi, 3).h / f1.h, 0.97956, 1e-5);
}

// With isr_on_ref_part the reference loses tau g, and every particle keeps the absolute energy
// it has without that option: only the frame of the coordinates changes.
TEST(Isr, OnRefPartMovesTheReferenceNotThePhysics) {
  const RefPart ref0 = reference("electron", 100.0e3);
  const double rc = 10.0, L = 0.004;
  Particles off = cold_beam(5000), on = cold_beam(5000);
  for (std::size_t i = 0; i < off.size(); ++i) {
    off.px[i] = on.px[i] = 1e-5 * std::sin(static_cast<double>(i));
    off.pt[i] = on.pt[i] = 1e-3 * std::cos(static_cast<double>(i));
  }
  RadiationSettings s;
  s.isr = true;
  RefPart ref_off = ref0;
  isr_kick(off, ref_off, L, rc, s, 3, 9);
  s.isr_on_ref_part = true;
  RefPart ref_on = ref0;
  const double dp_ref = isr_kick(on, ref_on, L, rc, s, 3, 9);
  const double bg = ref0.beta_gamma();
  const double tau_ref = 2.0 / 3.0 * kElectronRadius * L * bg * bg * bg / (rc * rc);
  EXPECT_NEAR(dp_ref / -tau_ref, 1.0, 1e-9);
  EXPECT_NEAR(ref_on.beta_gamma() / (bg * (1.0 + dp_ref)), 1.0, 1e-12);
  EXPECT_NEAR(ref_on.pz, ref_on.beta_gamma(), 1e-9);
  for (std::size_t i = 0; i < off.size(); ++i) {
    const double gamma_off = ref_off.gamma() - ref_off.beta_gamma() * off.pt[i];
    const double gamma_on = ref_on.gamma() - ref_on.beta_gamma() * on.pt[i];
    ASSERT_NEAR(gamma_on / gamma_off, 1.0, 1e-13);
    ASSERT_NEAR(on.px[i] * ref_on.beta_gamma(), off.px[i] * bg, 1e-13 * bg);
  }
  // Relative to the radiating reference the beam's mean stays near its initial pt.
  EXPECT_NEAR(mean(on.pt), mean(off.pt) - tau_ref, 0.02 * tau_ref);
}

// A proton radiates with its own constants: tau scales with r_p, chi with its Compton wavelength.
TEST(Isr, ProtonsRadiateWithProtonConstants) {
  const RefPart ref0 = reference("proton", 7.0e6);  // LHC-like, 7 TeV
  const double rc = 2803.95, L = 1.0, bg = ref0.beta_gamma();
  Particles beam = cold_beam(100000);
  RefPart ref = ref0;
  RadiationSettings s;
  s.isr = true;
  isr_kick(beam, ref, L, rc, s, 1, 1);
  const double tau = 2.0 / 3.0 * kProtonRadius * L * bg * bg * bg / (rc * rc);
  const double var =
      55.0 / (24.0 * std::sqrt(3.0)) * kProtonCompton * kProtonRadius * L * std::pow(bg, 5) / std::pow(rc, 3);
  // pt = -dp gamma/beta_gamma ~ -dp; tau ~ 1.2e-9 per metre at 7 TeV.
  EXPECT_NEAR(mean(beam.pt) / tau, 1.0, 0.02);
  EXPECT_NEAR(variance(beam.pt) / var, 1.0, 0.03);
}

TEST(Isr, BitIdenticalAtAnyThreadCount) {
  ThreadCount restore;
  const RefPart ref0 = reference("electron", 100.0e3);
  RadiationSettings s;
  s.isr = true, s.isr_order = 3, s.isr_on_ref_part = true;
  std::vector<Particles> runs;
  for (int threads : {1, 2, 3}) {
    set_threads(threads);
    Particles beam = cold_beam(30001);
    for (std::size_t i = 0; i < beam.size(); ++i) beam.pt[i] = 1e-4 * std::sin(0.1 * static_cast<double>(i));
    RefPart ref = ref0;
    for (std::uint64_t step = 1; step <= 4; ++step) isr_kick(beam, ref, 0.004, 10.0, s, 42, step);
    runs.push_back(std::move(beam));
  }
  for (std::size_t r = 1; r < runs.size(); ++r) {
    for (std::size_t i = 0; i < runs[0].size(); ++i) {
      ASSERT_EQ(runs[r].pt[i], runs[0].pt[i]);
      ASSERT_EQ(runs[r].px[i], runs[0].px[i]);
    }
  }
  // Different steps and seeds draw different numbers.
  Particles a = cold_beam(4), b = cold_beam(4), c = cold_beam(4);
  RefPart ra = ref0, rb = ref0, rcp = ref0;
  s.isr_on_ref_part = false;
  isr_kick(a, ra, 0.004, 10.0, s, 42, 1);
  isr_kick(b, rb, 0.004, 10.0, s, 42, 2);
  isr_kick(c, rcp, 0.004, 10.0, s, 43, 1);
  EXPECT_NE(a.pt[0], b.pt[0]);
  EXPECT_NE(a.pt[0], c.pt[0]);
}

TEST(Isr, LostParticlesAndBackwardSlicesAreUntouched) {
  RefPart ref = reference("electron", 100.0e3);
  Particles beam = cold_beam(3);
  beam.id[1] = -2;
  RadiationSettings s;
  s.isr = true;
  isr_kick(beam, ref, 0.004, 10.0, s, 1, 1);
  EXPECT_NE(beam.pt[0], 0.0);
  EXPECT_EQ(beam.pt[1], 0.0);
  Particles back = cold_beam(3);
  s.isr_on_ref_part = true;
  EXPECT_EQ(isr_kick(back, ref, -0.004, 10.0, s, 1, 1), 0.0);
  EXPECT_EQ(back.pt[0], 0.0);
}

// ------------------------------------------------------------------------------------------ CSR

namespace {

// The steady-state wake of a Gaussian line density, in units of N q^2/(4 pi eps0 R^(2/3)
// sigma^(4/3)), at x = s/sigma with the head at larger s:
//   -(2/3^(1/3)) Int_0^inf u^(-1/3) lambda'(x - u) du,   lambda(x) = exp(-x^2/2)/sqrt(2 pi),
// integrated with u = v^(3/2) (du u^(-1/3) = (3/2) dv), which removes the singularity.
double gaussian_wake(double x) {
  const double dv = 2e-4;
  double sum = 0.0;
  for (double v = 0.5 * dv; v < 30.0; v += dv) {
    const double y = x - std::pow(v, 1.5);
    if (y < -12.0) break;
    sum += -y * std::exp(-0.5 * y * y);
  }
  return -2.0 / std::cbrt(3.0) * 1.5 * dv * sum / std::sqrt(2.0 * constants::pi);
}

}  // namespace

// Derbenev et al. (1995): the mean energy loss per length of a Gaussian bunch is
// 0.3505 N q^2/(4 pi eps0 R^(2/3) sigma^(4/3)) and the rms spread of the loss 0.2459 of the same.
TEST(Csr, GaussianBunchMeanLossAndSpread) {
  const RefPart ref = reference("electron", 5.0e3);
  const double sigma = 2.0e-5, R = 10.0, real = 1e-9 / constants::q_e;  // 1 nC
  const Particles beam = gaussian_in_t(400000, sigma, real);
  const CsrWake wake = csr_wake(beam, ref, R, 150);
  double m = 0.0, m2 = 0.0;
  for (std::size_t i = 0; i < beam.size(); ++i) {
    const double f = wake.at(beam.t[i]);
    m += f, m2 += f * f;
  }
  m /= static_cast<double>(beam.size());
  const double rms = std::sqrt(m2 / static_cast<double>(beam.size()) - m * m);
  const double unit = real * constants::q_e * constants::q_e / (4.0 * constants::pi * constants::epsilon0) /
                      (std::cbrt(R * R) * std::pow(sigma, 4.0 / 3.0));
  std::printf("CSR Gaussian, 150 nodes: mean %.5f rms %.5f (analytic -0.35047, 0.24599)\n", m / unit,
              rms / unit);
  EXPECT_NEAR(m / unit, -0.35047, 0.35047 * 0.01);
  EXPECT_NEAR(rms / unit, 0.24599, 0.24599 * 0.01);
  // The analytic constants themselves, from the same integral.
  double am = 0.0, am2 = 0.0;
  const double dx = 0.05;
  for (double x = -7.0; x < 7.0; x += dx) {
    const double lam = std::exp(-0.5 * x * x) / std::sqrt(2.0 * constants::pi), g = gaussian_wake(x);
    am += lam * g * dx, am2 += lam * g * g * dx;
  }
  EXPECT_NEAR(am, -0.3505, 5e-4);
  EXPECT_NEAR(std::sqrt(am2 - am * am), 0.2459, 5e-4);
}

// The wake along the bunch: the head (t < 0, it arrives first) gains energy from the radiation
// of the tail, which overtakes it along the chord; the core and tail lose.
TEST(Csr, GaussianWakeShapeAndDirection) {
  const RefPart ref = reference("electron", 5.0e3);
  const double sigma = 1.0e-4, R = 5.0, real = 6.0e9;
  const Particles beam = gaussian_in_t(400000, sigma, real);
  const CsrWake wake = csr_wake(beam, ref, R, 200);
  const double unit = real * constants::q_e * constants::q_e / (4.0 * constants::pi * constants::epsilon0) /
                      (std::cbrt(R * R) * std::pow(sigma, 4.0 / 3.0));
  double peak = 0.0;
  for (double x = -3.0; x <= 3.0; x += 0.25) peak = std::fmax(peak, std::fabs(gaussian_wake(x)));
  for (double x = -3.0; x <= 3.0; x += 0.25) {
    // t = -s: x sigma ahead of the centre is t = -x sigma.
    EXPECT_NEAR(wake.at(-x * sigma) / unit, gaussian_wake(x), 0.03 * peak) << "x = " << x;
  }
  EXPECT_GT(wake.at(-2.5 * sigma), 0.0);  // head gains
  EXPECT_LT(wake.at(0.0), 0.0);           // core loses
  EXPECT_LT(wake.at(2.0 * sigma), 0.0);   // tail loses
}

TEST(Csr, KickNormalisationAndSpecies) {
  const RefPart e = reference("electron", 1.0e3);
  Particles beam = gaussian_in_t(20000, 5e-5, 1e10);
  const Particles before = beam;
  const double L = 0.02, rc = -7.0;
  const CsrWake wake = csr_kick(beam, e, L, rc, 150);
  const double p0c = e.mass * constants::c * constants::c * e.beta_gamma();
  for (std::size_t i = 0; i < beam.size(); i += 997) {
    EXPECT_NEAR(beam.pt[i] - before.pt[i], -L * wake.at(before.t[i]) / p0c,
                1e-12 * std::fabs(before.pt[i]) + 1e-18);
  }
  // The force depends on the charge squared alone: a positron or a proton (charge e) feels the
  // same force; an ion of charge 2e four times as much.
  const CsrWake we = csr_wake(before, e, 7.0, 150);
  RefPart p = reference("proton", 1.0e3), ion = p;
  ion.set_charge_qe(2.0);
  const CsrWake wp = csr_wake(before, p, 7.0, 150), wi = csr_wake(before, ion, 7.0, 150);
  for (std::size_t j = 0; j < we.force.size(); j += 10) {
    EXPECT_DOUBLE_EQ(wp.force[j], we.force[j]);
    EXPECT_NEAR(wi.force[j], 4.0 * we.force[j], 1e-12 * std::fabs(we.force[j]) + 1e-30);
  }
}

TEST(Csr, BitIdenticalAtAnyThreadCount) {
  ThreadCount restore;
  const RefPart ref = reference("electron", 1.0e3);
  Particles base = gaussian_in_t(50001, 5e-5, 1e10);
  // Shuffle the order so blocks hold mixed t.
  for (std::size_t i = 0; i < base.size(); ++i) {
    const std::size_t j = (i * 7919) % base.size();
    std::swap(base.t[i], base.t[j]);
  }
  std::vector<Particles> runs;
  for (int threads : {1, 2, 3}) {
    set_threads(threads);
    Particles beam = base;
    csr_kick(beam, ref, 0.02, 7.0, 150);
    runs.push_back(std::move(beam));
  }
  for (std::size_t r = 1; r < runs.size(); ++r)
    for (std::size_t i = 0; i < base.size(); ++i) ASSERT_EQ(runs[r].pt[i], runs[0].pt[i]);
}

TEST(Csr, NeedsAnExtentInT) {
  const RefPart ref = reference("electron", 1.0e3);
  Particles one = cold_beam(1), flat = cold_beam(10);
  EXPECT_THROW(csr_wake(one, ref, 1.0, 150), RunError);
  EXPECT_THROW(csr_wake(flat, ref, 1.0, 150), RunError);
}
