// Particle-in-cell space charge: the integrated Green's functions, the open-boundary solver and
// the field of known charge distributions.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "TestSupport.hpp"
#include "collective/OpenPoisson.hpp"
#include "collective/SpaceCharge.hpp"
#include "core/Constants.hpp"

using namespace wakeline;
using namespace wakeline::collective;
using wakeline::test::QuasiRandom4;

namespace {

constexpr double kCoulomb = 1.0 / (4.0 * constants::pi * constants::epsilon0);

// A beam of n macro-particles of total charge `charge` (C), positions drawn by `draw`.
template <class Draw>
Particles make_beam(std::size_t n, double charge, const RefPart& ref, Draw&& draw) {
  Particles b;
  b.resize(n);
  QuasiRandom4 rng;
  for (std::size_t i = 0; i < n; ++i) {
    const auto [x, y, z] = draw(rng);
    b.x[i] = x, b.y[i] = y, b.t[i] = z;  // fixed-t coordinates: t holds z
    b.px[i] = b.py[i] = b.pt[i] = 0.0;
    b.qm[i] = ref.qm();
    b.w[i] = charge / (std::fabs(ref.charge) * static_cast<double>(n));
    b.id[i] = static_cast<std::int64_t>(i + 1);
    b.s_lost[i] = 0.0;
  }
  return b;
}

// Field at a point from the solver's node field, with the solver's own shape.
std::array<double, 3> field_at(const SpaceChargeSolver& sc, double x, double y, double z) {
  Particles p;
  p.resize(1);
  p.x[0] = x, p.y[0] = y, p.t[0] = z, p.px[0] = p.py[0] = p.pt[0] = 0.0;
  p.qm[0] = 1.0, p.w[0] = 1.0, p.id[0] = 1;
  sc.gather_and_kick(p, 1.0, 3);
  return {p.px[0], p.py[0], p.pt[0]};
}

}  // namespace

TEST(SpaceChargeGreen, CubeIntegralOfInverseR) {
  // Integral of 1/r over the unit cube centred on the origin: 3 ln((sqrt3 + 1)/(sqrt3 - 1)) - pi/2.
  const double s3 = std::sqrt(3.0);
  const double exact = 3.0 * std::log((s3 + 1.0) / (s3 - 1.0)) - std::numbers::pi / 2.0;
  EXPECT_NEAR(box_integral_inverse_r(-0.5, 0.5, -0.5, 0.5, -0.5, 0.5), exact, 1e-13);
  // Far away, the integral tends to volume / distance (the error is O((h/r)^2)).
  const double h = 1e-3, r = 40e-3;
  const double far = box_integral_inverse_r(r - h / 2, r + h / 2, -h / 2, h / 2, -h, h);
  EXPECT_NEAR(far, 2 * h * h * h / r, 1e-3 * 2 * h * h * h / r);
}

// The solver uses the corrected midpoint rule beyond 12 cell sizes (of the largest side): there it
// must agree with the exact cell integral to 1e-6, for cubic and for elongated cells.
TEST(SpaceChargeGreen, FarCellsUseTheCorrectedMidpointRule) {
  for (const auto& h : {std::array<double, 3>{1e-3, 1e-3, 1e-3}, std::array<double, 3>{1e-3, 2e-3, 5e-3}}) {
    const double hmax = std::max({h[0], h[1], h[2]});
    for (const auto& dir : {std::array<double, 3>{1, 0, 0}, std::array<double, 3>{0.3, 0.5, 0.81},
                            std::array<double, 3>{0, 0, 1}}) {
      const double norm = std::sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
      const double x = 12.01 * hmax * dir[0] / norm, y = 12.01 * hmax * dir[1] / norm,
                   z = 12.01 * hmax * dir[2] / norm;
      const double exact = box_integral_inverse_r(x - h[0] / 2, x + h[0] / 2, y - h[1] / 2, y + h[1] / 2,
                                                  z - h[2] / 2, z + h[2] / 2);
      EXPECT_NEAR(far_cell_integral_inverse_r(x, y, z, h[0], h[1], h[2]) / exact, 1.0, 1e-6);
    }
  }
}

TEST(SpaceChargeGreen, RectangleIntegralOfLogR) {
  // Midpoint quadrature on a fine grid of a rectangle away from the origin.
  const double x1 = 0.3, x2 = 0.5, y1 = -0.2, y2 = 0.1;
  double sum = 0.0;
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double x = x1 + (i + 0.5) * (x2 - x1) / n, y = y1 + (j + 0.5) * (y2 - y1) / n;
      sum += 0.5 * std::log(x * x + y * y);
    }
  }
  sum *= (x2 - x1) * (y2 - y1) / (n * n);
  EXPECT_NEAR(rect_integral_log_r(x1, x2, y1, y2), sum, 1e-7);
}

TEST(SpaceChargeTransform, FixedTimeRoundTrip) {
  RefPart ref;
  ref.set_species("electron");
  ref.set_kin_energy_MeV(5.0);
  Particles b;
  b.resize(3);
  const double x[3] = {1e-3, -2e-3, 0}, px[3] = {1e-3, 0, -3e-3}, t[3] = {1e-3, -5e-4, 2e-3},
               pt[3] = {1e-2, -3e-3, 0};
  for (int i = 0; i < 3; ++i) {
    b.x[i] = x[i], b.y[i] = -x[i], b.t[i] = t[i], b.px[i] = px[i], b.py[i] = 0.5 * px[i], b.pt[i] = pt[i];
    b.id[i] = i + 1;
  }
  to_fixed_t(b, ref);
  // A particle behind the reference (t > 0) is at z < 0 at the reference's time.
  EXPECT_LT(b.t[0], 0.0);
  EXPECT_NEAR(b.t[0], -t[0] * std::sqrt(1 - 1 / (ref.gamma() * ref.gamma())), 3e-2 * t[0]);
  to_fixed_s(b, ref);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(b.x[i], x[i], 1e-17);
    EXPECT_NEAR(b.t[i], t[i], 1e-17);
    EXPECT_NEAR(b.px[i], px[i], 1e-17);
    EXPECT_NEAR(b.pt[i], pt[i], 1e-15);
  }
}

// The field of a uniformly charged sphere, E = Q r / (4 pi eps0 a^3) inside, at 64^3.
TEST(SpaceCharge3D, UniformSphereField) {
  RefPart ref;
  ref.set_species("proton");
  ref.set_kin_energy_MeV(1e-3);  // gamma = 1 + 1e-6: the static field
  const double a = 1e-3, Q = 1e-9;
  const Particles beam = make_beam(1'000'000, Q, ref, [&](QuasiRandom4& rng) {
    for (;;) {
      const auto u = rng.next();
      const double x = (2 * u[0] - 1) * a, y = (2 * u[1] - 1) * a, z = (2 * u[2] - 1) * a;
      if (x * x + y * y + z * z <= a * a) return std::array<double, 3>{x, y, z};
    }
  });
  SpaceChargeSettings s;
  s.model = SpaceChargeModel::three_d, s.n_cell = {64, 64, 64}, s.prob_relative = 1.1, s.particle_shape = 2;
  SpaceChargeSolver sc(s);
  sc.make_mesh(beam, 3);
  sc.deposit(beam, ref.charge, 3);
  sc.solve(ref.gamma(), 3);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  double worst = 0.0;
  for (int k = 0; k < 200; ++k) {
    double p[3];
    double r;
    do {
      for (double& v : p) v = u(rng) * a;
      r = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
    } while (r < 0.2 * a || r > 0.85 * a);
    const auto e = field_at(sc, p[0], p[1], p[2]);
    const double emag = std::sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
    const double exact = kCoulomb * Q * r / (a * a * a);
    worst = std::max(worst, std::fabs(emag - exact) / exact);
  }
  EXPECT_LT(worst, 0.01);
}

// A Gaussian bunch moving with gamma = 10: in its rest frame a sphere of rms size sigma, in the
// lab squeezed to sigma/gamma along z. The solver's E (from the lab potential gamma phi') is
// gamma E'_perp across and gamma^2 E'_z along, so that q E / gamma^2 is the Lorentz force.
TEST(SpaceCharge3D, RelativisticGaussianBunchField) {
  RefPart ref;
  ref.set_species("electron");
  const double gamma = 10.0;
  ref.set_kin_energy_MeV((gamma - 1.0) * ref.mass_MeV());
  const double sigma = 1e-3, Q = 1e-9;
  // Box-Muller on quasi-random numbers, cut at 4 sigma (which changes the field inside 2.5 sigma
  // by 0.1 %: only the enclosed charge matters).
  const Particles beam = make_beam(1'000'000, Q, ref, [&](QuasiRandom4& rng) {
    for (;;) {
      const auto u = rng.next();
      const double r1 = sigma * std::sqrt(-2.0 * std::log(1.0 - u[0])),
                   r2 = sigma * std::sqrt(-2.0 * std::log(1.0 - u[2]));
      const double x = r1 * std::cos(2 * std::numbers::pi * u[1]),
                   y = r1 * std::sin(2 * std::numbers::pi * u[1]);
      const double z = r2 * std::cos(2 * std::numbers::pi * u[3]);
      if (x * x + y * y + z * z < 16 * sigma * sigma) return std::array<double, 3>{x, y, z / gamma};
    }
  });
  SpaceChargeSettings s;
  // Cloud-in-cell: deposit and gather together smooth the charge by a kernel of variance h^2/3
  // per axis (h = 8 sigma/64 here), which lowers the field near the centre by ~0.8 %.
  s.model = SpaceChargeModel::three_d, s.n_cell = {64, 64, 64}, s.prob_relative = 1.0, s.particle_shape = 1;
  SpaceChargeSolver sc(s);
  sc.make_mesh(beam, 3);
  sc.deposit(beam, ref.charge, 3);
  sc.solve(gamma, 3);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g(0.0, sigma);
  double worst = 0.0;
  for (int k = 0; k < 200; ++k) {
    const double xr = g(rng), yr = g(rng), zr = g(rng);  // rest frame
    const double r = std::sqrt(xr * xr + yr * yr + zr * zr);
    if (r < 0.5 * sigma || r > 2.5 * sigma) continue;
    const double er =
        kCoulomb * ref.charge * Q / ref.charge / (r * r) *
        (std::erf(r / (std::sqrt(2.0) * sigma)) -
         std::sqrt(2.0 / std::numbers::pi) * r / sigma * std::exp(-r * r / (2 * sigma * sigma)));
    const double sign = ref.charge < 0 ? -1.0 : 1.0;  // the bunch's charge is negative
    const std::array<double, 3> exact = {sign * gamma * er * xr / r, sign * gamma * er * yr / r,
                                         sign * gamma * gamma * er * zr / r};
    const auto e = field_at(sc, xr, yr, zr / gamma);
    const double norm =
        std::sqrt(exact[0] * exact[0] + exact[1] * exact[1] + exact[2] * exact[2] / (gamma * gamma));
    const double err =
        std::sqrt((e[0] - exact[0]) * (e[0] - exact[0]) + (e[1] - exact[1]) * (e[1] - exact[1]) +
                  (e[2] - exact[2]) * (e[2] - exact[2]) / (gamma * gamma));
    worst = std::max(worst, err / norm);
  }
  EXPECT_LT(worst, 0.01);
}

// 2D: a long beam of uniform circular cross-section, line density lambda: inside,
// E = lambda r / (2 pi eps0 a^2).
TEST(SpaceCharge2D, UniformDiskField) {
  RefPart ref;
  ref.set_species("proton");
  ref.set_kin_energy_MeV(1e-3);
  const double a = 2e-3, lambda = 1e-9;  // C/m
  const Particles beam = make_beam(400'000, 1e-9, ref, [&](QuasiRandom4& rng) {
    for (;;) {
      const auto u = rng.next();
      const double x = (2 * u[0] - 1) * a, y = (2 * u[1] - 1) * a;
      if (x * x + y * y <= a * a) return std::array<double, 3>{x, y, 0.0};
    }
  });
  SpaceChargeSettings s;
  s.model = SpaceChargeModel::two_d, s.n_cell = {64, 64, 1}, s.prob_relative = 1.1, s.particle_shape = 2;
  SpaceChargeSolver sc(s);
  sc.make_mesh(beam, 2);
  // Each of the n particles carries lambda/n per unit length.
  double weights = 0.0;
  for (std::size_t i = 0; i < beam.size(); ++i) weights += beam.w[i];
  sc.deposit(beam, lambda / weights, 2);
  sc.solve(1.0, 2);
  Particles probe;
  probe.resize(100);
  for (int k = 0; k < 100; ++k) {
    const double r = a * (0.2 + 0.7 * k / 100.0), th = 2.4 * k;
    probe.x[k] = r * std::cos(th), probe.y[k] = r * std::sin(th), probe.t[k] = 0.0;
    probe.px[k] = probe.py[k] = probe.pt[k] = 0.0, probe.qm[k] = 1.0, probe.w[k] = 1.0, probe.id[k] = k + 1;
  }
  sc.gather_and_kick(probe, 1.0, 2);
  double worst = 0.0;
  for (int k = 0; k < 100; ++k) {
    const double r = std::hypot(probe.x[k], probe.y[k]);
    const double exact = lambda * r / (2 * constants::pi * constants::epsilon0 * a * a);
    worst = std::max(worst, std::fabs(std::hypot(probe.px[k], probe.py[k]) - exact) / exact);
    EXPECT_GT(probe.px[k] * probe.x[k], 0.0);  // repulsive
  }
  EXPECT_LT(worst, 0.01);
}

// A point charge on a grid of cubic cells whose size makes 12 h / h round below 12: the cell at
// exactly 12 cells (where the solver switches from the exact cell integral to the corrected
// midpoint rule) must get a correct Green's function (a rounding there once read past the
// corner table).
TEST(SpaceChargeGreen, PointChargePotentialAcrossTheNearFarSwitch) {
  const double h = 0.0009507436259985301;
  ASSERT_LT((12 * h) / h, 12.0);
  const int n = 33, c = 8;
  std::vector<double> rho(static_cast<std::size_t>(n) * n * n, 0.0), phi;
  const double q = 1e-12;
  rho[(static_cast<std::size_t>(c) * n + c) * n + c] = q / (h * h * h);
  OpenPoisson solver;
  solver.solve(rho, {n, n, n}, {h, h, h}, 1.0, 3, phi);
  double worst = 0.0;
  for (int k = 0; k < n; ++k) {
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i) {
        const double r = h * std::sqrt(double((i - c) * (i - c) + (j - c) * (j - c) + (k - c) * (k - c)));
        if (r < 3 * h) continue;
        const double exact = kCoulomb * q / r;
        worst = std::max(worst, std::fabs(phi[(static_cast<std::size_t>(k) * n + j) * n + i] / exact - 1.0));
      }
    }
  }
  EXPECT_LT(worst, 1e-3);
}
