// Laser envelope solver (src/plasma/LaserEnvelope.hpp): the initial Gaussian envelope against the
// textbook Gaussian beam, vacuum diffraction against w(z) and the on-axis amplitude, conservation of
// ∫|â|² r dr dxi, the plasma dispersion relation and guiding in a matched parabolic channel.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <vector>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "plasma/LaserEnvelope.hpp"
#include "plasma/LaserPulse.hpp"

using namespace wakeline;
using namespace wakeline::plasma;

namespace {

constexpr double kPi = constants::pi;

// rms-based spot size of slice j: for |â|² ∝ exp(-2 r²/w²), <r²> = w²/2.
double spot_size(const LaserEnvelope& env, int j) {
  double s1 = 0.0, s3 = 0.0;
  for (int k = 0; k < env.n_r(); ++k) {
    const double r = env.r(k), f = env.abs2(k, j);
    s1 += f * r;
    s3 += f * r * r * r;
  }
  return std::sqrt(2.0 * s3 / s1);
}

LaserPulse pulse(double w0, double tau_fs, double z_foc, Polarization pol = Polarization::linear) {
  LaserPulse p;
  p.a_0 = 0.5;
  p.w_0 = w0;
  p.tau = tau_fs * 1e-15;
  p.xi_c = 0.0;
  p.z_foc = z_foc;
  p.polarization = pol;
  return p;
}

struct DiffractionError {
  double spot = 0.0, axis = 0.0;
};

// Vacuum propagation from z = 0 to 4 Z_R through a focus at 1.5 Z_R: worst relative error of the
// central slice's spot size and of its on-axis amplitude against the paraxial Gaussian beam.
DiffractionError vacuum_diffraction(int n_r, int steps_per_zr, bool use_phase) {
  const LaserPulse p = pulse(20e-6, 300.0, 0.0);
  LaserPulse shifted = p;
  const double zr = p.rayleigh_length();
  shifted.z_foc = 1.5 * zr;
  const double L = p.length();
  EnvelopeGrid g{8.0 * p.w_0, n_r, -4.0 * L, 4.0 * L, 41};
  LaserEnvelope env(g, p.l_0, 1e23, {use_phase, RadialBoundary::zero});
  env.initialize(shifted, 0.0);
  const int jc = 20;  // xi = 0
  const double dt = zr / steps_per_zr / constants::c;
  DiffractionError err;
  for (int i = 0; i < 4 * steps_per_zr; ++i) {
    env.advance(dt);
    const double z = env.z();
    const double s = (z - shifted.z_foc) / zr;
    const double w = p.w_0 * std::sqrt(1.0 + s * s);
    const double r0 = env.r(0);
    const double axis = p.a_0 / std::sqrt(1.0 + s * s) * std::exp(-r0 * r0 / (w * w));
    err.spot = std::max(err.spot, std::abs(spot_size(env, jc) / w - 1.0));
    err.axis = std::max(err.axis, std::abs(std::abs(env.a_hat(0, jc)) / axis - 1.0));
  }
  return err;
}

}  // namespace

TEST(LaserPulse, EnvelopeIsTheTextbookGaussianBeam) {
  // |â| = a0 (w0/w) exp(-r²/w²) exp(-xi²/L²); phase = -atan(s) + k0 r²/(2R) - cep, R = Z_R (s + 1/s).
  LaserPulse p = pulse(30e-6, 25.0, 2e-3, Polarization::circular);
  p.xi_c = 5e-6;
  p.cep_phase = 0.3;
  EXPECT_NEAR(p.length(), constants::c * 25e-15 / std::sqrt(2.0 * std::log(2.0)), 1e-18);
  // tau is the FWHM of the intensity: |â|² falls to one half at xi_c ± c tau/2.
  EXPECT_NEAR(std::norm(p.envelope(0.0, p.xi_c + 0.5 * constants::c * p.tau, p.z_foc)) / (p.a_0 * p.a_0), 0.5,
              1e-12);
  const double zr = p.rayleigh_length(), k0 = 2.0 * kPi / p.l_0;
  for (double z : {p.z_foc, p.z_foc + 0.7 * zr, p.z_foc - 2.5 * zr}) {
    const double s = (z - p.z_foc) / zr;
    const double w = p.w_0 * std::sqrt(1.0 + s * s);
    EXPECT_NEAR(p.spot_size(z), w, 1e-15);
    for (double r : {0.0, 10e-6, 40e-6})
      for (double xi : {-3e-6, 5e-6, 12e-6}) {
        const std::complex<double> a = p.envelope(r, xi, z);
        const double mag = p.a_0 * p.w_0 / w * std::exp(-r * r / (w * w)) *
                           std::exp(-std::pow((xi - p.xi_c) / p.length(), 2));
        const double curvature = s == 0.0 ? 0.0 : k0 * r * r / (2.0 * zr * (s + 1.0 / s));
        const std::complex<double> ref = std::polar(mag, -std::atan(s) + curvature - p.cep_phase);
        EXPECT_NEAR(std::abs(a - ref), 0.0, 1e-13 * p.a_0) << "z=" << z << " r=" << r << " xi=" << xi;
      }
  }
  EXPECT_DOUBLE_EQ(polarization_factor(Polarization::linear), 0.5);
  EXPECT_DOUBLE_EQ(ponderomotive_source({0.0, 2.0}, Polarization::circular), 4.0);
  EXPECT_DOUBLE_EQ(ponderomotive_source({0.0, 2.0}, Polarization::linear), 2.0);
  p.w_0 = -1.0;
  EXPECT_THROW(p.validate(), InputError);
}

TEST(LaserEnvelope, InitialGridValuesAndGathers) {
  for (double dz_over_zr : {0.0, 1.3}) {
    const LaserPulse p = pulse(25e-6, 30.0, 0.0);
    const double z = dz_over_zr * p.rayleigh_length();
    EnvelopeGrid g{150e-6, 120, -30e-6, 30e-6, 97};
    LaserEnvelope env(g, p.l_0, 1e24);
    env.initialize(p, z);
    EXPECT_DOUBLE_EQ(env.z(), z);
    double worst = 0.0;
    for (int j = 0; j < env.n_xi(); ++j)
      for (int k = 0; k < env.n_r(); ++k)
        worst = std::max(worst, std::abs(env.a_hat(k, j) - p.envelope(env.r(k), env.xi(j), z)));
    EXPECT_LT(worst, 1e-15);
    // <a²> = |â|²/2 (linear) and ∂_r<a²> against the analytic derivative -4r/w² <a²>.
    const double w = p.spot_size(z);
    const int j = 48;  // xi = 0
    for (int k : {0, 10, 25, 40}) {
      const double r = env.r(k);
      const double a2 = 0.5 * std::norm(p.envelope(r, 0.0, z));
      EXPECT_NEAR(env.a2(k, j), a2, 1e-15);
      EXPECT_NEAR(env.da2_dr(k, j), -4.0 * r / (w * w) * a2, 2e-3 * p.a_0 * p.a_0 / w);
    }
    // Bilinear gathers between nodes: second-order interpolation error, even/odd near the axis.
    // Bound of the bilinear error, (h²/8)|f''| per direction, with |f''| <= 4 f_max/w² in r (also
    // covers the flat mirror cell next to the axis) and 4 f_max/L² in xi.
    const double h = env.dr();
    const double a2_max = 0.5 * std::norm(p.envelope(0.0, 0.0, z));
    const double bound =
        a2_max * (h * h / (2.0 * w * w) + env.dxi() * env.dxi() / (2.0 * p.length() * p.length()));
    for (double r : {0.2 * h, 7.3 * h, 31.6 * h})
      for (double xi : {-4.1e-6, 0.37e-6, 9.9e-6}) {
        const double a2 = 0.5 * std::norm(p.envelope(r, xi, z));
        EXPECT_NEAR(env.gather_a2(r, xi), a2, bound) << r << " " << xi;
        EXPECT_NEAR(env.gather_a2(-r, xi), env.gather_a2(r, xi), 1e-16);
        EXPECT_NEAR(env.gather_da2_dr(-r, xi), -env.gather_da2_dr(r, xi), 1e-16);
        EXPECT_NEAR(std::abs(env.gather_a_hat(r, xi) - p.envelope(r, xi, z)), 0.0, 4e-3 * p.a_0);
      }
    EXPECT_NEAR(env.gather_da2_dr(0.0, 0.0), 0.0, 1e-16);
    EXPECT_EQ(env.gather_a2(10e-6, 31e-6), 0.0);  // outside the xi range
  }
}

TEST(LaserEnvelope, VacuumDiffractionMatchesGaussianBeamAndConverges) {
  // 300 fs, w0 = 20 µm at 0.8 µm (Z_R = 1.57 mm), 4 Z_R through the focus, 100 steps per Z_R.
  // The radial error is second order: Δr = w0/12.5, w0/25, w0/50.
  const DiffractionError coarse = vacuum_diffraction(100, 100, true);
  const DiffractionError mid = vacuum_diffraction(200, 100, true);
  const DiffractionError fine = vacuum_diffraction(400, 100, true);
  const DiffractionError fine_nophase = vacuum_diffraction(400, 100, false);
  std::printf(
      "[ info   ] vacuum diffraction, max rel. error spot/axis: n_r=100 %.2e/%.2e, 200 %.2e/%.2e, "
      "400 %.2e/%.2e, 400 without phase %.2e/%.2e\n",
      coarse.spot, coarse.axis, mid.spot, mid.axis, fine.spot, fine.axis, fine_nophase.spot,
      fine_nophase.axis);
  EXPECT_LT(fine.spot, 1e-3);
  EXPECT_LT(fine.axis, 1e-3);
  EXPECT_LT(fine_nophase.spot, 1e-3);
  EXPECT_LT(fine_nophase.axis, 1e-3);
  EXPECT_GT(coarse.spot / mid.spot, 2.5);
  EXPECT_GT(mid.spot / fine.spot, 2.0);
}

TEST(LaserEnvelope, VacuumEnergyIsConserved) {
  // A short (30 fs) pulse over 2 Z_R, phase factoring on and off.
  for (bool use_phase : {true, false}) {
    const LaserPulse p = pulse(20e-6, 30.0, 1e-3);
    const double L = p.length();
    EnvelopeGrid g{200e-6, 200, -4.0 * L, 4.0 * L, 121};
    LaserEnvelope env(g, p.l_0, 1e23, {use_phase, RadialBoundary::zero});
    env.initialize(p, 0.0);
    const double e0 = env.energy();
    const double dt = p.rayleigh_length() / 50.0 / constants::c;
    double worst = 0.0;
    for (int i = 0; i < 100; ++i) {
      env.advance(dt);
      worst = std::max(worst, std::abs(env.energy() / e0 - 1.0));
    }
    std::printf("[ info   ] vacuum energy, use_phase=%d: max |E/E0 - 1| = %.2e\n", use_phase, worst);
    EXPECT_LT(worst, 5e-5) << "use_phase=" << use_phase;
  }
}

TEST(LaserEnvelope, PhaseFactoringHandlesAFrequencyShiftedPulse) {
  // A pulse whose carrier is 20 % above k0 (â ∝ exp(i κ xi), κ = 0.2 k0) with κ Δxi = 2.4 rad: with
  // the on-axis phase factored out it diffracts like a Gaussian beam of wavenumber k0 + κ; the plain
  // three-point xi-stencil cannot follow that phase and gets the diffraction and the energy wrong.
  const LaserPulse p = pulse(20e-6, 30.0, 0.0);
  const double L = p.length();
  const double kappa = 0.2 * p.k0();
  const double zr = kPi * p.w_0 * p.w_0 / (p.l_0 / 1.2);
  EnvelopeGrid g{160e-6, 320, -4.0 * L, 4.0 * L, 41};
  double spot_err[2] = {0.0, 0.0}, energy_err[2] = {0.0, 0.0};
  for (int use_phase : {1, 0}) {
    LaserEnvelope env(g, p.l_0, 1e23, {use_phase == 1, RadialBoundary::zero});
    std::vector<std::complex<double>> a(static_cast<std::size_t>(g.n_r * g.n_xi));
    for (int j = 0; j < g.n_xi; ++j)
      for (int k = 0; k < g.n_r; ++k)
        a[static_cast<std::size_t>(j * g.n_r + k)] =
            p.envelope(env.r(k), env.xi(j), 0.0) * std::polar(1.0, kappa * env.xi(j));
    env.initialize(a, Polarization::linear, 0.0);
    EXPECT_NEAR(kappa * env.dxi(), 2.4, 0.05);
    const double e0 = env.energy();
    const double dt = zr / 50.0 / constants::c;
    for (int i = 0; i < 150; ++i) {
      env.advance(dt);
      const double s = env.z() / zr;
      spot_err[use_phase] = std::max(spot_err[use_phase],
                                     std::abs(spot_size(env, 20) / (p.w_0 * std::sqrt(1.0 + s * s)) - 1.0));
    }
    energy_err[use_phase] = std::abs(env.energy() / e0 - 1.0);
  }
  std::printf("[ info   ] shifted carrier, spot/energy error: use_phase %.2e/%.2e, without %.2e/%.2e\n",
              spot_err[1], energy_err[1], spot_err[0], energy_err[0]);
  EXPECT_LT(spot_err[1], 5e-3);
  EXPECT_LT(energy_err[1], 1e-3);
  EXPECT_GT(spot_err[0], 5e-2);
  EXPECT_GT(energy_err[0], 0.1);
}

TEST(LaserEnvelope, UniformPlasmaPhaseFollowsDispersionRelation) {
  // chi = 1: â ∝ exp(-i Ω tau) with 2 (k0/k_p) Ω + Ω² = 1, i.e. ω² = ω_p² + c² k² in the lab frame.
  // A broad (k_p w0 = 56), long pulse; the vacuum run on the same grid removes the Gouy phase.
  const double n0 = 1e24;
  LaserPulse p = pulse(300e-6, 100.0, 0.0);
  const double L = p.length();
  EnvelopeGrid g{900e-6, 60, -4.0 * L, 4.0 * L, 41};
  LaserEnvelope plasma(g, p.l_0, n0), vacuum(g, p.l_0, n0);
  plasma.initialize(p, 0.0);
  vacuum.initialize(p, 0.0);
  const std::vector<double> chi(static_cast<std::size_t>(g.n_r * g.n_xi), 1.0);
  const double k0n = p.k0() / plasma.kp();
  const double omega = std::sqrt(k0n * k0n + 1.0) - k0n;
  const double dtau = 2.0;
  const double dt = dtau / (plasma.kp() * constants::c);
  for (int i = 0; i < 100; ++i) {
    plasma.advance(dt, chi);
    vacuum.advance(dt);
  }
  const double phase = std::arg(plasma.a_hat(0, 20) / vacuum.a_hat(0, 20));
  const double expected = std::remainder(-omega * 100 * dtau, 2.0 * kPi);
  std::printf("[ info   ] uniform plasma: phase advance %.6f rad, dispersion relation %.6f rad\n", phase,
              expected);
  EXPECT_NEAR(phase, expected, 1e-3 * omega * 100 * dtau);
  EXPECT_NEAR(std::abs(plasma.a_hat(0, 20)) / std::abs(vacuum.a_hat(0, 20)), 1.0, 1e-3);
}

TEST(LaserEnvelope, MatchedParabolicChannelGuidesThePulse) {
  // chi = 1 + 4 (k_p r)²/(k_p w0)⁴ is the matched channel for spot w0 (Δn = 1/(pi r_e w0²)); over
  // 4 Z_R the spot stays w0, while in uniform plasma it grows (to w0 sqrt(17) without the wall at 5 w0).
  const double n0 = 1e24;
  const LaserPulse p = pulse(20e-6, 100.0, 0.0);
  const double L = p.length();
  EnvelopeGrid g{100e-6, 200, -4.0 * L, 4.0 * L, 41};
  LaserEnvelope guided(g, p.l_0, n0), free(g, p.l_0, n0);
  guided.initialize(p, 0.0);
  free.initialize(p, 0.0);
  const double kp = guided.kp(), wn = kp * p.w_0;
  std::vector<double> channel(static_cast<std::size_t>(g.n_r * g.n_xi)), uniform(channel.size(), 1.0);
  for (int j = 0; j < g.n_xi; ++j)
    for (int k = 0; k < g.n_r; ++k) {
      const double rn = kp * guided.r(k);
      channel[static_cast<std::size_t>(j * g.n_r + k)] = 1.0 + 4.0 * rn * rn / (wn * wn * wn * wn);
    }
  const double zr = p.rayleigh_length();
  const double dt = zr / 100.0 / constants::c;
  double worst = 0.0;
  for (int i = 0; i < 400; ++i) {
    guided.advance(dt, channel);
    free.advance(dt, uniform);
    worst = std::max(worst, std::abs(spot_size(guided, 20) / p.w_0 - 1.0));
  }
  std::printf("[ info   ] matched channel: max |w/w0 - 1| over 4 Z_R = %.2e; uniform plasma w/w0 = %.3f\n",
              worst, spot_size(free, 20) / p.w_0);
  EXPECT_LT(worst, 2e-3);
  EXPECT_GT(spot_size(free, 20) / p.w_0, 3.5);
}

TEST(LaserEnvelope, BoundaryVariantsDtChangesAndBadInput) {
  // Far from the wall the two outer boundaries agree; a change of dt restarts the three-level scheme
  // (two-level step) instead of mixing levels of different dt, and the spot stays on w(z).
  const LaserPulse p = pulse(20e-6, 300.0, 1e-3);
  const double L = p.length();
  EnvelopeGrid g{160e-6, 320, -4.0 * L, 4.0 * L, 41};
  LaserEnvelope zero(g, p.l_0, 1e23, {true, RadialBoundary::zero});
  LaserEnvelope flat(g, p.l_0, 1e23, {true, RadialBoundary::zero_gradient});
  zero.initialize(p, 0.0);
  flat.initialize(p, 0.0);
  const double zr = p.rayleigh_length();
  double worst = 0.0;
  for (int i = 0; i < 90; ++i) {
    const double dt = (i < 30 ? 0.02 : i < 60 ? 0.01 : 0.03) * zr / constants::c;
    zero.advance(dt);
    flat.advance(dt);
    EXPECT_NEAR(std::abs(zero.a_hat(0, 20) - flat.a_hat(0, 20)), 0.0, 1e-9 * p.a_0);
    worst = std::max(worst, std::abs(spot_size(zero, 20) / p.spot_size(zero.z()) - 1.0));
  }
  EXPECT_NEAR(zero.z(), 1.8 * zr, 1e-12 * zr);
  // Δr = w0/40 alone gives 1.0e-3 (constant dt = 0.02 Z_R/c); the 0.03 Z_R/c steps add their time
  // error, 1.26e-3 in all. Mixing levels of different dt in the centred formula gives 4.3e-3.
  EXPECT_LT(worst, 1.5e-3);
  // Bad input is an InputError naming the key.
  EXPECT_THROW(zero.advance(1e-12, std::vector<double>(7, 0.0)), InputError);
  EXPECT_THROW(zero.advance(-1e-12), InputError);
  EXPECT_THROW(LaserEnvelope(EnvelopeGrid{1e-4, 1, 0.0, 1e-5, 10}, 0.8e-6, 1e23), InputError);
}
