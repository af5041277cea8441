// Envelope space charge: Carlson's R_D, the 2D (KV) and 3D (uniform ellipsoid) kicks, and the
// envelopes they produce when tracked, against the rms envelope equations solved independently.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "TestSupport.hpp"
#include "collective/EnvelopeSpaceCharge.hpp"
#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "tracking/Simulation.hpp"

using namespace wakeline;
using namespace wakeline::collective;
using wakeline::test::thick;

namespace {

constexpr double kPi = constants::pi;

RefPart proton_MeV(double kinetic_MeV) {
  RefPart r;
  r.set_species("proton");
  r.set_kin_energy_MeV(kinetic_MeV);
  return r;
}

Matrix6 diagonal(double xx, double pxpx, double yy, double pypy, double tt, double ptpt) {
  Matrix6 s;
  s(0, 0) = xx, s(1, 1) = pxpx, s(2, 2) = yy, s(3, 3) = pypy, s(4, 4) = tt, s(5, 5) = ptpt;
  return s;
}

// The rotation of (x, y) and (px, py) by theta.
Matrix6 xy_rotation(double theta) {
  Matrix6 a = Matrix6::identity();
  const double c = std::cos(theta), s = std::sin(theta);
  for (int p = 0; p < 2; ++p) {
    a(p, p) = c, a(p, p + 2) = -s;
    a(p + 2, p) = s, a(p + 2, p + 2) = c;
  }
  return a;
}

// Tracks sigma through one drift of length length in n slices with the given space charge.
Matrix6 track_drift(const RefPart& ref, const Matrix6& sigma, double length, int n, SpaceChargeModel model,
                    double current_A, double charge_C) {
  Simulation sim;
  sim.mode = TrackMode::envelope;
  sim.ref = ref;
  sim.envelope.sigma = sigma;
  sim.envelope.charge_C = charge_C;
  sim.space_charge.model = model;
  sim.space_charge.current_A = current_A;
  sim.lattice.elements = {thick<elements::Drift>(length, n)};
  TrackObserver quiet;
  track(sim, quiet);
  return sim.envelope.sigma;
}

// y(s_end) of y'' = f(y) with y(0) = y0, y'(0) = 0, by RK4 in many steps: an independent reference.
double solve_envelope(const std::function<double(double)>& f, double y0, double length, int steps) {
  double y = y0, v = 0.0;
  const double h = length / steps;
  for (int i = 0; i < steps; ++i) {
    const double k1y = v, k1v = f(y);
    const double k2y = v + 0.5 * h * k1v, k2v = f(y + 0.5 * h * k1y);
    const double k3y = v + 0.5 * h * k2v, k3v = f(y + 0.5 * h * k2y);
    const double k4y = v + h * k3v, k4v = f(y + h * k3y);
    y += h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y);
    v += h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
  }
  return y;
}

}  // namespace

// ---------------------------------------------------------------- R_D

TEST(CarlsonRD, MatchesPublishedValues) {
  // Carlson (1995), section 3, test values.
  EXPECT_NEAR(carlson_rd(0.0, 2.0, 1.0), 1.7972103521033883, 4e-16 * 1.8);
  EXPECT_NEAR(carlson_rd(2.0, 3.0, 4.0), 0.16510527294261053, 4e-16 * 0.17);
}

TEST(CarlsonRD, MatchesClosedForms) {
  for (double x : {1e-6, 0.3, 1.0, 7.0, 4e5}) {
    // Equal arguments: x^(-3/2). One argument zero, two equal: 3 pi / (4 y^(3/2)).
    EXPECT_NEAR(carlson_rd(x, x, x), std::pow(x, -1.5), 1e-15 * std::pow(x, -1.5)) << x;
    EXPECT_NEAR(carlson_rd(0.0, x, x), 3.0 * kPi / (4.0 * std::pow(x, 1.5)),
                4e-16 * 3.0 * kPi / (4.0 * std::pow(x, 1.5)))
        << x;
  }
  // R_D(x, y, z) + R_D(y, z, x) + R_D(z, x, y) = 3 / sqrt(xyz), for widely different arguments.
  for (auto [x, y, z] : {std::tuple{1.0, 2.0, 3.0}, {1e-4, 1.0, 1e3}, {5e-7, 2e-7, 1e-9}, {1e6, 1e-6, 1.0}}) {
    const double sum = carlson_rd(x, y, z) + carlson_rd(y, z, x) + carlson_rd(z, x, y);
    EXPECT_NEAR(sum, 3.0 / std::sqrt(x * y * z), 2e-15 * sum) << x << ' ' << y << ' ' << z;
  }
  // Homogeneous of degree -3/2, symmetric in its first two arguments.
  EXPECT_NEAR(carlson_rd(2.0 * 5, 3.0 * 5, 4.0 * 5), carlson_rd(2.0, 3.0, 4.0) / (5.0 * std::sqrt(5.0)),
              1e-17);
  EXPECT_DOUBLE_EQ(carlson_rd(3.0, 2.0, 4.0), carlson_rd(2.0, 3.0, 4.0));
}

TEST(CarlsonRD, OutsideItsDomainIsNaN) {
  EXPECT_TRUE(std::isnan(carlson_rd(0.0, 0.0, 1.0)));
  EXPECT_TRUE(std::isnan(carlson_rd(1.0, 1.0, 0.0)));
  EXPECT_TRUE(std::isnan(carlson_rd(-1.0, 1.0, 1.0)));
}

// ---------------------------------------------------------------- kick matrices

TEST(EnvelopeSpaceChargeKick, ZeroIntensityOrLengthIsIdentity) {
  const RefPart ref = proton_MeV(6.7);
  const Matrix6 s = diagonal(1e-6, 1e-6, 2e-6, 1e-6, 1e-6, 1e-8);
  const Matrix6 one = Matrix6::identity();
  EXPECT_EQ(envelope_kick_2d(s, ref, 0.0, 0.1).max_abs_diff(one), 0.0);
  EXPECT_EQ(envelope_kick_2d(s, ref, 0.5, 0.0).max_abs_diff(one), 0.0);
  EXPECT_EQ(envelope_kick_3d(s, ref, 0.0, 0.1).max_abs_diff(one), 0.0);
  EXPECT_EQ(envelope_kick_3d(s, ref, 1e-9, 0.0).max_abs_diff(one), 0.0);
  EXPECT_EQ(envelope_space_charge_kick(s, ref, 0.1, SpaceChargeModel::off, 0.5, 1e-9).max_abs_diff(one), 0.0);
}

TEST(EnvelopeSpaceChargeKick, IsSymplecticKeepsSigmaSymmetricAndLReversesIt) {
  const RefPart ref = proton_MeV(6.7);
  Matrix6 s = diagonal(1e-6, 2e-6, 3e-6, 1e-6, 4e-6, 1e-8);
  s(0, 2) = s(2, 0) = 0.8e-6;  // tilted in x-y
  s(0, 1) = s(1, 0) = -0.5e-6;
  for (const Matrix6& kick : {envelope_kick_2d(s, ref, 0.5, 0.01), envelope_kick_3d(s, ref, 1e-9, 0.01)}) {
    EXPECT_LT(test::symplectic_error(kick), 1e-12);
    const Matrix6 out = kick * s * kick.transpose();
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) EXPECT_NEAR(out(i, j), out(j, i), 1e-15 * std::sqrt(out(i, i) * out(j, j)));
    for (int i : {0, 2, 4}) EXPECT_EQ(out(i, i), s(i, i));  // a kick: positions do not move
  }
  // The kick leaves the positions, hence itself, unchanged: R(-L) R(L) = 1 exactly in exact arithmetic.
  const Matrix6 k = envelope_kick_2d(s, ref, 0.5, 0.01);
  const Matrix6 back = envelope_kick_2d(k * s * k.transpose(), ref, 0.5, -0.01);
  EXPECT_LT((back * k).max_abs_diff(Matrix6::identity()), 1e-15);
}

TEST(EnvelopeSpaceChargeKick, KVFieldOfAnUprightEllipse) {
  // Inside a uniform ellipse of semi-axes a = 2 sigma_x, b = 2 sigma_y: x'' = 2 K x / (a (a + b)).
  const RefPart ref = proton_MeV(6.7);
  const double I = 0.5, L = 0.01, sx = 1e-3, sy = 0.4e-3;
  const double alfven =
      4.0 * kPi * constants::epsilon0 * ref.mass * std::pow(constants::c, 3) / constants::q_e;
  const double K = 2.0 * I / (alfven * std::pow(ref.beta_gamma(), 3));
  const Matrix6 kick = envelope_kick_2d(diagonal(sx * sx, 1e-6, sy * sy, 1e-6, 1e-6, 1e-8), ref, I, L);
  const double a = 2 * sx, b = 2 * sy;
  EXPECT_NEAR(kick(1, 0), 2.0 * K / (a * (a + b)) * L, 1e-14 * kick(1, 0));
  EXPECT_NEAR(kick(3, 2), 2.0 * K / (b * (a + b)) * L, 1e-14 * kick(3, 2));
  EXPECT_EQ(kick(1, 2), 0.0);
  EXPECT_EQ(kick(5, 4), 0.0);  // no longitudinal field in 2D
}

TEST(EnvelopeSpaceChargeKick, TwoDIsCovariantUnderRotation) {
  // A tilted beam gets the upright beam's kick, rotated: R(A S A^T) = A R(S) A^T.
  const RefPart ref = proton_MeV(6.7);
  const Matrix6 upright = diagonal(1e-6, 1e-6, 0.16e-6, 1e-6, 1e-6, 1e-8);
  for (double theta : {0.3, 1.0, -2.2}) {
    const Matrix6 a = xy_rotation(theta);
    const Matrix6 tilted = envelope_kick_2d(a * upright * a.transpose(), ref, 0.5, 0.01);
    const Matrix6 expected = a * envelope_kick_2d(upright, ref, 0.5, 0.01) * a.transpose();
    EXPECT_LT(tilted.max_abs_diff(expected), 1e-15) << theta;
  }
}

TEST(EnvelopeSpaceChargeKick, ThreeDObeysGaussLaw) {
  // div E = rho / eps0 for the uniform ellipsoid of semi-axes sqrt(5 <u^2>) (rest frame): the three
  // focusing coefficients, in rest-frame units, add to 3 L r_cN / ((beta gamma)^2 A B C).
  RefPart ref;
  ref.set_species("electron");
  ref.set_kin_energy_MeV(250.0);
  const double Q = 1e-9, L = 0.05, bg = ref.beta_gamma();
  const Matrix6 s = diagonal(1e-6, 1e-9, 4e-6, 1e-9, 0.3e-6 / (bg * bg), 1e-9);
  const Matrix6 kick = envelope_kick_3d(s, ref, Q, L);
  const double rcn =
      constants::q_e * Q / (4.0 * kPi * constants::epsilon0 * constants::m_e * constants::c * constants::c);
  const double abc = std::sqrt(125.0 * s(0, 0) * s(2, 2) * bg * bg * s(4, 4));
  const double sum = kick(1, 0) + kick(3, 2) + kick(5, 4) / (bg * bg);
  EXPECT_NEAR(sum, 3.0 * L * rcn / (bg * bg * abc), 1e-14 * sum);
  EXPECT_GT(kick(3, 2), 0.0);
  EXPECT_GT(kick(1, 0), kick(3, 2));  // the narrower plane is pushed harder
}

TEST(EnvelopeSpaceChargeKick, ZeroSizeIsARunError) {
  const RefPart ref = proton_MeV(6.7);
  EXPECT_THROW((void)envelope_kick_2d(diagonal(0, 1e-6, 0, 1e-6, 1e-6, 1e-8), ref, 0.5, 0.01), RunError);
  EXPECT_THROW((void)envelope_kick_3d(diagonal(1e-6, 1e-6, 1e-6, 1e-6, 0, 1e-8), ref, 1e-9, 0.01), RunError);
}

TEST(EnvelopeSpaceChargeKick, CorrelationOfTheThreeDModel) {
  Matrix6 s = diagonal(4e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-8);
  EXPECT_EQ(envelope_3d_correlation(s), 0.0);
  s(0, 1) = s(1, 0) = 1e-6;  // x-px correlation is allowed
  EXPECT_EQ(envelope_3d_correlation(s), 0.0);
  s(4, 0) = s(0, 4) = -1e-6;
  EXPECT_DOUBLE_EQ(envelope_3d_correlation(s), 0.5);
}

// ---------------------------------------------------------------- tracked envelopes

// A round KV beam in a drift: the rms envelope equation sigma'' = K / (4 sigma) + eps^2 / sigma^3.
// Kick-then-map per slice is a first-order splitting, so the error falls as 1/nslice.
TEST(EnvelopeSpaceChargeTracking, TwoDRoundBeamFollowsTheKVEnvelopeEquation) {
  const RefPart ref = proton_MeV(6.7);
  const double I = 0.5, sigma0 = 1e-3, emit = 1e-6, length = 1.0;
  const double alfven =
      4.0 * kPi * constants::epsilon0 * ref.mass * std::pow(constants::c, 3) / constants::q_e;
  const double K = 2.0 * I / (alfven * std::pow(ref.beta_gamma(), 3));
  const double exact = solve_envelope([&](double s) { return K / (4.0 * s) + emit * emit / (s * s * s); },
                                      sigma0, length, 20000);
  ASSERT_GT(exact, 1.8 * sigma0);  // space charge dominates: a strong test
  const Matrix6 s0 = diagonal(sigma0 * sigma0, emit * emit / (sigma0 * sigma0), sigma0 * sigma0,
                              emit * emit / (sigma0 * sigma0), 1e-6, 1e-8);
  double previous_error = 0.0;
  for (int n : {400, 4000}) {
    const Matrix6 s = track_drift(ref, s0, length, n, SpaceChargeModel::two_d, I, 0.0);
    const double error = std::fabs(std::sqrt(s(0, 0)) / exact - 1.0);
    EXPECT_NEAR(std::sqrt(s(2, 2)), std::sqrt(s(0, 0)), 1e-15);
    const double emit_x = std::sqrt(s(0, 0) * s(1, 1) - s(0, 1) * s(0, 1));
    EXPECT_NEAR(emit_x, emit, 1e-9 * emit);  // a linear kick keeps the emittance
    EXPECT_LT(error, 1.0 / n) << n;
    if (previous_error > 0.0) EXPECT_NEAR(previous_error / error, 10.0, 1.5);  // first order
    previous_error = error;
  }
  // Without space charge the same beam only spreads by its emittance.
  const Matrix6 free = track_drift(ref, s0, length, 10, SpaceChargeModel::off, 0.0, 0.0);
  EXPECT_NEAR(std::sqrt(free(0, 0)), std::hypot(sigma0, emit / sigma0 * length), 1e-15);
}

// A cold uniform sphere (in its rest frame) explodes self-similarly: sigma'' = kappa / sigma^2 with
// kappa = r_cN / (5 sqrt5 (beta gamma)^2), whose solution from rest is, with u = sigma / sigma0,
//   s = sqrt(sigma0^3 / (2 kappa)) (sqrt(u (u - 1)) + ln(sqrt(u) + sqrt(u - 1))).
// This is the envelope version of ImpactX's expanding-beam example (size doubles over 6 m).
TEST(EnvelopeSpaceChargeTracking, ThreeDUniformSphereExplodesAsCoulombPredicts) {
  RefPart ref;
  ref.set_species("electron");
  ref.set_kin_energy_MeV(250.0);
  const double Q = 1e-9, sigma0 = 4.472135955e-4, length = 6.0, bg = ref.beta_gamma();
  const double rcn =
      constants::q_e * Q / (4.0 * kPi * constants::epsilon0 * constants::m_e * constants::c * constants::c);
  const double kappa = rcn / (5.0 * std::sqrt(5.0) * bg * bg);
  const auto distance = [&](double u) {
    return std::sqrt(std::pow(sigma0, 3) / (2.0 * kappa)) *
           (std::sqrt(u * (u - 1.0)) + std::log(std::sqrt(u) + std::sqrt(u - 1.0)));
  };
  double lo = 1.0, hi = 4.0;  // invert s(u) by bisection
  for (int i = 0; i < 200; ++i) (distance(0.5 * (lo + hi)) < length ? lo : hi) = 0.5 * (lo + hi);
  const double u_exact = 0.5 * (lo + hi);
  EXPECT_NEAR(u_exact, 2.0, 1e-4);
  const Matrix6 s0 = diagonal(sigma0 * sigma0, 0.0, sigma0 * sigma0, 0.0, sigma0 * sigma0 / (bg * bg), 0.0);
  double previous_error = 0.0;
  for (int n : {400, 4000}) {
    const Matrix6 s = track_drift(ref, s0, length, n, SpaceChargeModel::three_d, 0.0, -Q);
    const double u = std::sqrt(s(0, 0)) / sigma0;
    const double error = std::fabs(u / u_exact - 1.0);
    EXPECT_LT(error, 1.0 / n) << n;
    if (previous_error > 0.0) EXPECT_NEAR(previous_error / error, 10.0, 1.5);
    previous_error = error;
    // The sphere stays a sphere in the rest frame: bg sigma_t = sigma_x = sigma_y. This checks the
    // longitudinal factors (z = (bg)^2 <t^2>, R65 with (bg)^2, R56 = L / bg^2) against the transverse ones.
    EXPECT_NEAR(bg * std::sqrt(s(4, 4)) / std::sqrt(s(0, 0)), 1.0, 1e-12);
    EXPECT_NEAR(std::sqrt(s(2, 2)) / std::sqrt(s(0, 0)), 1.0, 1e-14);
  }
}
