// Bends and the uniform accelerator: ExactSbend, CFbend, ExactCFbend, ChrAcc. Their maps are
// checked against independent constructions (the linear Sbend, the matrix exponential of the
// generator, the exact sector bend, the Solenoid), for symplecticity, for reversibility and for
// the geometry and energy of the reference particle.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <type_traits>
#include <vector>

#include "TestSupport.hpp"
#include "elements/CFbend.hpp"
#include "elements/ChrAcc.hpp"
#include "elements/Drift.hpp"
#include "elements/ExactCFbend.hpp"
#include "elements/ExactSbend.hpp"
#include "elements/Sbend.hpp"
#include "elements/Solenoid.hpp"

using wakeline::test::thick;

using namespace wakeline;
using namespace wakeline::elements;
using wakeline::test::electron_GeV;
using wakeline::test::expm;
using wakeline::test::jacobian;
using wakeline::test::max_rel_diff;
using wakeline::test::symplectic_error;

namespace {

using Vec6 = std::array<double, 6>;
const Vec6 kOrigin{};
const Vec6 kOffAxis = {2e-3, -1e-3, -1.5e-3, 2e-3, 1e-3, 3e-3};

RefPart proton_MeV(double kinetic_MeV) {
  RefPart r;
  r.set_species("proton");
  r.set_kin_energy_MeV(kinetic_MeV);
  return r;
}

// Applies a map that may report a loss; fails the test if the particle is lost.
template <class Map>
Vec6 apply_alive(const Map& map, Vec6 z) {
  if constexpr (std::is_same_v<bool, decltype(map(z[0], z[1], z[2], z[3], z[4], z[5]))>) {
    EXPECT_TRUE(map(z[0], z[1], z[2], z[3], z[4], z[5]));
  } else {
    map(z[0], z[1], z[2], z[3], z[4], z[5]);
  }
  return z;
}
// Numerical Jacobian of a map that returns bool (the loss flag is ignored).
template <class Map>
Matrix6 jac(const Map& map, const Vec6& z0, double h = 1e-7) {
  auto f = [&](double& x, double& px, double& y, double& py, double& t, double& pt) {
    (void)map(x, px, y, py, t, pt);
  };
  return jacobian(f, z0, h);
}
double max_diff(const Vec6& a, const Vec6& b) {
  double d = 0.0;
  for (int i = 0; i < 6; ++i) d = std::fmax(d, std::fabs(a[i] - b[i]));
  return d;
}
// max |M^T J M - f J|: a map between momenta normalised to different reference momenta is
// symplectic up to the factor f = bgi/bgf.
double conformal_symplectic_error(const Matrix6& m, double f) {
  Matrix6 j = symplectic_form(), fj = j;
  for (double& v : fj.m) v *= f;
  return (m.transpose() * j * m).max_abs_diff(fj);
}

// Pushes `ref` through all slices of an element with a single-reference particle map,
// applying the map to `z`; returns the product of the slice linear maps.
template <class E>
Matrix6 track(const E& e, RefPart& ref, Vec6& z) {
  Matrix6 total = Matrix6::identity();
  for (int i = 0; i < e.nslice; ++i) {
    e.push_reference(ref);
    z = apply_alive(e.particle_map(ref), z);
    total = e.linear_map(ref) * total;
  }
  return total;
}
template <class E>
Matrix6 track_entrance(const E& e, RefPart& ref, Vec6& z) {
  Matrix6 total = Matrix6::identity();
  for (int i = 0; i < e.nslice; ++i) {
    const RefPart before = ref;
    e.push_reference(ref);
    z = apply_alive(e.particle_map(before, ref), z);
    total = e.linear_map(before, ref) * total;
  }
  return total;
}

ExactSbend exact_sbend(double ds, double phi_deg, double B, int nslice = 1) {
  auto e = thick<ExactSbend>(ds, nslice);
  e.phi_deg = phi_deg, e.B = B;
  return e;
}

}  // namespace

// ------------------------------------------------------------------------------ ExactSbend

TEST(ExactSbend, LinearisationIsSbend) {
  const RefPart ref0 = electron_GeV(0.004);  // beta visibly below 1
  for (double phi_deg : {20.0, -35.0}) {
    const auto b = exact_sbend(0.8, phi_deg, 0.0, 2);
    auto s = thick<Sbend>(0.8, 2);
    s.rc = 0.8 / (phi_deg * constants::pi / 180.0);
    RefPart ref = ref0, rs = ref0;
    b.push_reference(ref);
    s.push_reference(rs);
    const Matrix6 m = b.linear_map(ref);
    EXPECT_LT(m.max_abs_diff(s.linear_map(rs)), 1e-14) << phi_deg;
    EXPECT_LT(jac(b.particle_map(ref), kOrigin).max_abs_diff(m), 1e-8) << phi_deg;
    EXPECT_LT(max_diff(apply_alive(b.particle_map(ref), kOrigin), kOrigin), 1e-16) << phi_deg;
    EXPECT_NEAR(ref.x, rs.x, 1e-15);
    EXPECT_NEAR(ref.z, rs.z, 1e-15);
    EXPECT_NEAR(ref.t, rs.t, 1e-14);
  }
}

TEST(ExactSbend, SymplecticOffAxisAndNonlinear) {
  RefPart ref = proton_MeV(50.0);
  const auto b = exact_sbend(1.2, 30.0, 0.0);
  b.push_reference(ref);
  const auto map = b.particle_map(ref);
  EXPECT_LT(symplectic_error(jac(map, kOffAxis)), 1e-8);
  // Nonlinear: the Jacobian off axis differs from the linear map.
  EXPECT_GT(jac(map, kOffAxis).max_abs_diff(b.linear_map(ref)), 1e-5);
}

TEST(ExactSbend, FieldAndAngleGiveTheSameRadius) {
  // Electrons: B rho < 0, so B = (B rho) phi / ds < 0 gives rc = ds/phi > 0 as with B = 0.
  const RefPart ref0 = electron_GeV(0.02);
  const double ds = 0.7, phi_deg = 25.0, phi = phi_deg * constants::pi / 180.0;
  const auto by_angle = exact_sbend(ds, phi_deg, 0.0, 3);
  const auto by_field = exact_sbend(ds, phi_deg, ref0.rigidity_Tm() * phi / ds, 3);
  EXPECT_NEAR(by_field.radius(ref0), ds / phi, 1e-14);
  RefPart ra = ref0, rb = ref0;
  Vec6 za = kOffAxis, zb = kOffAxis;
  track(by_angle, ra, za);
  track(by_field, rb, zb);
  EXPECT_LT(max_diff(za, zb), 1e-15);
  EXPECT_NEAR(ra.x, rb.x, 1e-15);
  EXPECT_NEAR(ra.z, rb.z, 1e-15);
  EXPECT_NEAR(ra.t, rb.t, 1e-14);
}

TEST(ExactSbend, ElectronsInPositiveFieldBendTowardPlusX) {
  RefPart e = electron_GeV(1.0), p = proton_MeV(1000.0);
  const auto b = exact_sbend(0.5, 10.0, 1.0);
  b.push_reference(e);
  b.push_reference(p);
  EXPECT_GT(e.x, 0.0);
  EXPECT_LT(p.x, 0.0);
  EXPECT_NEAR(e.s, 0.5, 1e-15);
  // The angle is phi whatever ds says: the arc has radius |B rho / B| and angle 10 degrees.
  const double rc = electron_GeV(1.0).rigidity_Tm() / 1.0;
  EXPECT_NEAR(e.x, -rc * (1.0 - std::cos(10.0 * constants::pi / 180.0)), 1e-13);
}

TEST(ExactSbend, QuarterCircleGeometry) {
  // rc = ds/phi = 2 m, 90 degrees in 4 slices: the reference ends at x = -2, z = 2 moving along -x.
  RefPart ref = electron_GeV(1.0);
  const auto b = exact_sbend(constants::pi, 90.0, 0.0, 4);
  for (int i = 0; i < 4; ++i) b.push_reference(ref);
  EXPECT_NEAR(ref.x, -2.0, 1e-12);
  EXPECT_NEAR(ref.z, 2.0, 1e-12);
  EXPECT_NEAR(ref.px, -ref.beta_gamma(), 1e-12);
  EXPECT_NEAR(ref.pz, 0.0, 1e-12);
  EXPECT_NEAR(ref.s, constants::pi, 1e-14);
  EXPECT_NEAR(ref.t, constants::pi / ref.beta(), 1e-12);
  // The same with a field: a 250 MeV proton in B = (B rho)/2 has rc = 2 m.
  RefPart p = proton_MeV(250.0);
  const auto bf = exact_sbend(constants::pi, 90.0, p.rigidity_Tm() / 2.0, 4);
  for (int i = 0; i < 4; ++i) bf.push_reference(p);
  EXPECT_NEAR(p.x, -2.0, 1e-12);
  EXPECT_NEAR(p.z, 2.0, 1e-12);
}

TEST(ExactSbend, Reversible) {
  const RefPart ref0 = electron_GeV(0.01);
  auto check = [&](const ExactSbend& fwd, const ExactSbend& back, const char* what) {
    RefPart ref = ref0;
    Vec6 z = kOffAxis;
    const Matrix6 mf = track(fwd, ref, z);
    const Vec6 mid = z;
    const Matrix6 mb = track(back, ref, z);
    EXPECT_GT(max_diff(mid, kOffAxis), 1e-4) << what;  // something happened
    EXPECT_LT(max_diff(z, kOffAxis), 1e-12) << what;
    EXPECT_LT((mb * mf).max_abs_diff(Matrix6::identity()), 1e-12) << what;
    EXPECT_NEAR(ref.x, ref0.x, 1e-13) << what;
    EXPECT_NEAR(ref.z, ref0.z, 1e-13) << what;
    EXPECT_NEAR(ref.px, ref0.px, 1e-12) << what;
    EXPECT_NEAR(ref.t, ref0.t, 1e-12) << what;
    EXPECT_NEAR(ref.s, ref0.s, 1e-14) << what;
  };
  // With a field, -ds alone inverts; with B = 0 both ds and phi change sign (ImpactX's charge_sign).
  const double B = 0.05;
  check(exact_sbend(0.6, 20.0, B, 3), exact_sbend(-0.6, 20.0, B, 3), "B != 0");
  check(exact_sbend(0.6, 20.0, 0.0, 3), exact_sbend(-0.6, -20.0, 0.0, 3), "B = 0");
  // ImpactX's charge_sign pairing: (ds, phi, B) then (-ds, phi, 0) with rc < 0 (electrons, B > 0).
  const double phi = 20.0 * constants::pi / 180.0;
  check(exact_sbend(0.6, 20.0, -ref0.rigidity_Tm() * phi / 0.6, 3), exact_sbend(-0.6, 20.0, 0.0, 3),
        "charge_sign");
}

TEST(ExactSbend, LosesParticlesOutsideTheMapDomain) {
  RefPart ref = electron_GeV(0.01);
  const auto b = exact_sbend(0.5, 30.0, 0.0);
  b.push_reference(ref);
  const auto map = b.particle_map(ref);
  double x = 0, px = 1.5, y = 0, py = 0, t = 0, pt = 0;  // |px| > p/p0
  EXPECT_FALSE(map(x, px, y, py, t, pt));
  px = 0.5;
  EXPECT_TRUE(map(x, px, y, py, t, pt));
}

TEST(ExactSbend, ZeroAngleAndFieldIsAnExactDrift) {
  const RefPart ref0 = electron_GeV(0.002);
  const auto b = exact_sbend(1.3, 0.0, 0.0);
  RefPart ref = ref0, rd = ref0;
  b.push_reference(ref);
  const auto d = thick<Drift>(1.3);
  d.push_reference(rd);
  EXPECT_NEAR(ref.z, rd.z, 1e-15);
  EXPECT_LT(b.linear_map(ref).max_abs_diff(d.linear_map(rd)), 1e-15);
  EXPECT_LT(jac(b.particle_map(ref), kOrigin).max_abs_diff(d.linear_map(rd)), 1e-8);
  EXPECT_LT(symplectic_error(jac(b.particle_map(ref), kOffAxis)), 1e-8);
}

// --------------------------------------------------------------------------------- CFbend

TEST(CFbend, ZeroGradientIsSbend) {
  const RefPart ref0 = electron_GeV(0.003);
  for (double rc : {2.5, -3.0}) {
    auto c = thick<CFbend>(0.6, 2);
    auto s = thick<Sbend>(0.6, 2);
    c.rc = s.rc = rc;
    RefPart rc_ref = ref0, rs_ref = ref0;
    c.push_reference(rc_ref);
    s.push_reference(rs_ref);
    EXPECT_LT(max_rel_diff(c.linear_map(rc_ref), s.linear_map(rs_ref), 1e-9), 1e-12) << rc;
    EXPECT_NEAR(rc_ref.x, rs_ref.x, 1e-16);
    EXPECT_NEAR(rc_ref.t, rs_ref.t, 1e-16);
  }
}

TEST(CFbend, MatchesGeneratorAllFocusingRegimes) {
  const RefPart ref = electron_GeV(0.004);
  const double beta = ref.beta(), bg = ref.beta_gamma(), L = 0.9;
  // gx = k + 1/rc^2 positive, negative and zero; gy = -k of both signs.
  for (const auto& [rc, k] : {std::pair{2.0, 1.5}, std::pair{2.0, -3.0}, std::pair{-1.5, -1.0 / (1.5 * 1.5)},
                              std::pair{-1.5, 0.8}}) {
    auto c = thick<CFbend>(L);
    c.rc = rc, c.k = k;
    const double h = 1.0 / rc;
    Matrix6 a;
    a(0, 1) = 1.0, a(1, 0) = -(k + h * h), a(1, 5) = -h / beta;
    a(2, 3) = 1.0, a(3, 2) = k;
    a(4, 0) = h / beta, a(4, 5) = 1.0 / (bg * bg);
    RefPart r = ref;
    c.push_reference(r);
    const Matrix6 m = c.linear_map(r);
    EXPECT_LT(max_rel_diff(m, expm(wakeline::test::scaled(a, L)), 1e-9), 1e-10) << rc << " " << k;
    EXPECT_LT(symplectic_error(m), 1e-12) << rc << " " << k;
  }
}

TEST(CFbend, ContinuousAtZeroHorizontalFocusing) {
  const RefPart ref = electron_GeV(0.1);
  auto c = thick<CFbend>(0.9), c2 = thick<CFbend>(0.9);
  c.rc = c2.rc = 1.5;
  c.k = -1.0 / (1.5 * 1.5);  // gx = 0 exactly
  c2.k = c.k + 1e-9;
  EXPECT_LT(c.linear_map(ref).max_abs_diff(c2.linear_map(ref)), 1e-8);
}

TEST(CFbend, Reversible) {
  const RefPart ref0 = electron_GeV(0.3);
  auto f = thick<CFbend>(0.5, 2), b = thick<CFbend>(-0.5, 2);
  f.rc = b.rc = 4.0;
  f.k = b.k = 1.7;
  RefPart ref = ref0;
  Vec6 z = kOffAxis;
  const Matrix6 mf = track(f, ref, z);
  const Matrix6 mb = track(b, ref, z);
  EXPECT_LT((mb * mf).max_abs_diff(Matrix6::identity()), 1e-12);
  EXPECT_LT(max_diff(z, kOffAxis), 1e-15);
  EXPECT_NEAR(ref.x, ref0.x, 1e-13);
  EXPECT_NEAR(ref.t, ref0.t, 1e-12);
}

// ---------------------------------------------------------------------------- ExactCFbend

namespace {
ExactCFbend exact_cfbend(double ds, std::vector<double> kn, std::vector<double> ks, int order, int steps,
                         int nslice = 1) {
  auto e = thick<ExactCFbend>(ds, nslice);
  e.k_normal = std::move(kn), e.k_skew = std::move(ks);
  e.int_order = order, e.mapsteps = steps;
  return e;
}
}  // namespace

TEST(ExactCFbend, PureDipoleIsTheExactSbend) {
  const RefPart ref0 = electron_GeV(0.005);
  const double ds = 0.8, rc = 2.5;
  const auto s = exact_sbend(ds, ds / rc * 180.0 / constants::pi, 0.0, 2);
  for (int order : {2, 4, 6}) {
    const auto c = exact_cfbend(ds, {1.0 / rc, 0.0}, {0.0, 0.0}, order, 7, 2);
    RefPart rs = ref0, rcf = ref0;
    Vec6 zs = kOffAxis, zc = kOffAxis;
    track(s, rs, zs);
    track(c, rcf, zc);
    EXPECT_LT(max_diff(zs, zc), 1e-14) << order;
    EXPECT_NEAR(rs.x, rcf.x, 1e-15);
    EXPECT_NEAR(rs.z, rcf.z, 1e-15);
    EXPECT_NEAR(rs.t, rcf.t, 1e-14);
  }
}

TEST(ExactCFbend, JacobianAtOriginIsItsLinearisation) {
  const RefPart ref0 = electron_GeV(0.004);
  for (int order : {2, 4, 6}) {
    const auto c = exact_cfbend(0.7, {0.4, 1.2, 3.0, 10.0, 50.0}, {0.0, 0.3, -2.0, 5.0, -20.0}, order, 5);
    RefPart ref = ref0;
    c.push_reference(ref);
    const auto map = c.particle_map(ref);
    // A wider difference step: the exact bend's x is a difference of O(rc) terms (rounding ~1e-15).
    EXPECT_LT(jac(map, kOrigin, 1e-5).max_abs_diff(c.integrated_linear_map(ref)), 1e-8) << order;
    EXPECT_LT(max_diff(apply_alive(map, kOrigin), kOrigin), 1e-15) << order;
  }
}

TEST(ExactCFbend, IntegratedLinearMapConvergesToAnalyticCFbend) {
  const RefPart ref0 = electron_GeV(0.004);
  const auto c = exact_cfbend(0.7, {0.4, 1.2, 3.0}, {0.0, 0.0, 1.0}, 6, 40);
  RefPart ref = ref0;
  c.push_reference(ref);
  auto cf = thick<CFbend>(0.7);
  cf.rc = 1.0 / 0.4, cf.k = 1.2;
  EXPECT_LT(c.linear_map(ref).max_abs_diff(cf.linear_map(ref)), 1e-15);
  EXPECT_LT(c.integrated_linear_map(ref).max_abs_diff(c.linear_map(ref)), 1e-12);
}

TEST(ExactCFbend, IntegratorOrders) {
  // Halving the step divides the error by 2^order (reference: 6th order, fine steps).
  const RefPart ref0 = electron_GeV(0.004);
  const std::vector<double> kn = {0.5, 4.0, 30.0}, ks = {0.0, 1.0, 0.0};
  auto run = [&](int order, int steps) {
    const auto c = exact_cfbend(1.0, kn, ks, order, steps);
    RefPart ref = ref0;
    c.push_reference(ref);
    return apply_alive(c.particle_map(ref), {2e-2, 1e-2, -1e-2, 2e-2, 0.0, 1e-2});
  };
  const Vec6 exact = run(6, 400);
  for (int order : {2, 4}) {
    const double e1 = max_diff(run(order, 8), exact), e2 = max_diff(run(order, 16), exact);
    EXPECT_NEAR(std::log2(e1 / e2), order, 0.3) << order;
  }
}

TEST(ExactCFbend, SymplecticOffAxisWithAllMultipoles) {
  const RefPart ref0 = proton_MeV(100.0);
  for (double k0 : {0.6, 0.0}) {  // curvilinear and straight multipoles
    const auto c = exact_cfbend(0.5, {k0, 2.0, 20.0, 300.0, 4000.0}, {0.0, -1.0, 15.0, -200.0, 3000.0}, 4, 3);
    RefPart ref = ref0;
    c.push_reference(ref);
    EXPECT_LT(symplectic_error(jac(c.particle_map(ref), kOffAxis)), 1e-8) << k0;
  }
  // Far from the axis in units of rc (x/rc ~ 0.3: the closed-form kicks).
  const auto c =
      exact_cfbend(0.05, {10.0, 2.0, 20.0, 300.0, 4000.0}, {0.0, -1.0, 15.0, -200.0, 3000.0}, 2, 2);
  RefPart ref = ref0;
  c.push_reference(ref);
  const Vec6 far = {3e-2, 1e-3, -2e-2, -2e-3, 0.0, 1e-3};
  EXPECT_LT(symplectic_error(jac(c.particle_map(ref), far)), 1e-8);
}

TEST(ExactCFbend, CurvilinearKicksTendToStraightMultipoles) {
  // For each order alone, the curvilinear kick at a large radius approaches the MAD-X kick
  // (relative difference O(x/rc)); near the axis the kicks keep their relative precision.
  const RefPart ref = electron_GeV(1.0);
  for (int m = 1; m <= 4; ++m) {
    std::vector<double> kn(5, 0.0), ks(5, 0.0);
    kn[m] = 3.0 * m, ks[m] = -2.0 * m;
    auto curved = exact_cfbend(1.0, kn, ks, 2, 1), straight = curved;
    curved.k_normal[0] = 1e-6;  // rc = 1e6 m
    const auto mc = curved.particle_map(ref), ms = straight.particle_map(ref);
    for (const auto& [x, y] : {std::pair{0.03, -0.02}, std::pair{-1e-4, 3e-4}}) {
      double pxc = 0, pyc = 0, pxs = 0, pys = 0;
      ASSERT_TRUE(mc.kick(1.0, x, pxc, y, pyc));
      ASSERT_TRUE(ms.kick(1.0, x, pxs, y, pys));
      EXPECT_NEAR(pxc, pxs, 1e-6 * std::fabs(pxs)) << m << " " << x;
      EXPECT_NEAR(pyc, pys, 1e-6 * std::fabs(pys)) << m << " " << x;
      EXPECT_GT(std::fabs(pxs), 0.0) << m;
    }
  }
  // The straight sextupole is MAD-X's: dpx = -k2/2 (x^2 - y^2), dpy = k2 x y.
  auto sext = exact_cfbend(1.0, {0.0, 0.0, 2.0}, {0.0, 0.0, 0.0}, 2, 1);
  double px = 0, py = 0;
  ASSERT_TRUE(sext.particle_map(ref).kick(1.0, 0.1, px, 0.05, py));
  EXPECT_NEAR(px, -0.5 * 2.0 * (0.01 - 0.0025), 1e-16);
  EXPECT_NEAR(py, 2.0 * 0.1 * 0.05, 1e-16);
}

TEST(ExactCFbend, NearAxisAndClosedFormKicksAgree) {
  // Both forms at |u| around the switch (0.1), where both are accurate to ~1e-12.
  for (int n = 2; n <= 5; ++n) {
    for (double u : {-0.12, -0.099, 0.08, 0.1, 0.15}) {
      const double v = 0.07;
      const auto far = bends::curvilinear_kick_far(n, u, v, std::log1p(u));
      const auto near = bends::curvilinear_kick_near(
          n, u, v,
          std::log1p(u) - (u - u * u / 2 + std::pow(u, 3) / 3 - std::pow(u, 4) / 4 + std::pow(u, 5) / 5 -
                           std::pow(u, 6) / 6));
      const double scale = std::pow(std::hypot(u, v), n - 1);
      EXPECT_NEAR(near.px_n, far.px_n, 1e-11 * scale) << n << " " << u;
      EXPECT_NEAR(near.px_s, far.px_s, 1e-11 * scale) << n << " " << u;
      EXPECT_NEAR(near.py_n, far.py_n, 1e-11 * scale) << n << " " << u;
      EXPECT_NEAR(near.py_s, far.py_s, 1e-11 * scale) << n << " " << u;
    }
  }
  EXPECT_NEAR(bends::log1p_remainder6(0.05),
              std::log1p(0.05) - (0.05 - 0.00125 + 0.05 * 0.05 * 0.05 / 3 - std::pow(0.05, 4) / 4 +
                                  std::pow(0.05, 5) / 5 - std::pow(0.05, 6) / 6),
              1e-17);
}

TEST(ExactCFbend, Reversible) {
  const RefPart ref0 = electron_GeV(0.02);
  const std::vector<double> kn = {0.5, 2.0, 10.0, 40.0}, ks = {0.0, 0.5, -5.0, 10.0};
  const auto f = exact_cfbend(0.6, kn, ks, 4, 3, 2), b = exact_cfbend(-0.6, kn, ks, 4, 3, 2);
  RefPart ref = ref0;
  Vec6 z = kOffAxis;
  track(f, ref, z);
  const Vec6 mid = z;
  track(b, ref, z);
  EXPECT_GT(max_diff(mid, kOffAxis), 1e-4);
  EXPECT_LT(max_diff(z, kOffAxis), 1e-12);
  EXPECT_NEAR(ref.x, ref0.x, 1e-13);
  EXPECT_NEAR(ref.t, ref0.t, 1e-12);
}

TEST(ExactCFbend, FieldUnitsUseTheSignedRigidity) {
  const RefPart ref0 = electron_GeV(0.5);
  const double brho = ref0.rigidity_Tm();
  ASSERT_LT(brho, 0.0);
  const auto norm = exact_cfbend(0.5, {0.3, 1.5, 8.0}, {0.0, 0.4, 0.0}, 2, 4);
  auto field = exact_cfbend(0.5, {0.3 * brho, 1.5 * brho, 8.0 * brho}, {0.0, 0.4 * brho, 0.0}, 2, 4);
  field.units = 1;
  RefPart rn = ref0, rf = ref0;
  Vec6 zn = kOffAxis, zf = kOffAxis;
  track(norm, rn, zn);
  track(field, rf, zf);
  EXPECT_LT(max_diff(zn, zf), 1e-15);
  EXPECT_NEAR(rn.x, rf.x, 1e-16);
}

// ---------------------------------------------------------------------------------- ChrAcc

namespace {
ChrAcc chr_acc(double ds, double ez, double bz, int nslice = 1) {
  auto e = thick<ChrAcc>(ds, nslice);
  e.ez = ez, e.bz = bz;
  return e;
}
}  // namespace

TEST(ChrAcc, ReferenceGainsEzLmc2) {
  RefPart ref = electron_GeV(0.01);
  const double T0 = ref.kin_energy_MeV(), bg0 = ref.beta_gamma();
  const auto a = chr_acc(1.5, 20.0, 3.0, 3);  // 20/m: about 10 MeV/m for electrons
  for (int i = 0; i < 3; ++i) a.push_reference(ref);
  EXPECT_NEAR(ref.kin_energy_MeV() - T0, 20.0 * 1.5 * ref.mass_MeV(), 1e-9);
  EXPECT_NEAR(ref.pz, ref.beta_gamma(), 1e-12);
  EXPECT_NEAR(ref.z, 1.5, 1e-15);
  EXPECT_NEAR(ref.s, 1.5, 1e-15);
  // Uniform acceleration: c t = (bgf - bgi)/ez exactly.
  EXPECT_NEAR(ref.t, (ref.beta_gamma() - bg0) / 20.0, 1e-14);
}

TEST(ChrAcc, ConservesParticleEnergyRelativeToReference) {
  const RefPart ref0 = electron_GeV(0.005);
  const auto a = chr_acc(0.8, -4.0, 2.5, 2);  // decelerating
  RefPart ref = ref0;
  Vec6 z = kOffAxis;
  // Energy offset of the particle: pt * p0 c = -(E - E0); p0 = m c beta gamma.
  const double offset_in = z[5] * ref.beta_gamma();
  track_entrance(a, ref, z);
  EXPECT_NEAR(z[5] * ref.beta_gamma(), offset_in, 1e-17);
  EXPECT_LT(ref.gamma(), ref0.gamma());
}

TEST(ChrAcc, JacobianAtOriginIsTheLinearMap) {
  const RefPart ref0 = electron_GeV(0.003);
  for (const auto& [ez, bz] :
       {std::pair{15.0, 4.0}, std::pair{15.0, 0.0}, std::pair{-3.0, -6.0}, std::pair{0.0, 5.0}}) {
    const auto a = chr_acc(0.6, ez, bz);
    RefPart ref = ref0;
    const RefPart before = ref;
    a.push_reference(ref);
    const auto map = a.particle_map(before, ref);
    const Matrix6 m = a.linear_map(before, ref);
    EXPECT_LT(jac(map, kOrigin).max_abs_diff(m), 1e-8) << ez << " " << bz;
    EXPECT_LT(max_diff(apply_alive(map, kOrigin), kOrigin), 1e-15) << ez << " " << bz;
    const double f = before.beta_gamma() / ref.beta_gamma();
    EXPECT_LT(conformal_symplectic_error(m, f), 1e-12) << ez << " " << bz;
    EXPECT_LT(conformal_symplectic_error(jac(map, kOffAxis), f), 1e-8) << ez << " " << bz;
    EXPECT_GT(conformal_symplectic_error(jac(map, kOffAxis), 1.0), 1e-3 * std::fabs(ez)) << ez << " " << bz;
  }
}

TEST(ChrAcc, WithoutFieldsIsADriftAndWithoutEzASolenoid) {
  const RefPart ref0 = electron_GeV(0.004);
  // ez = 0: the solenoid with ks = bz / (beta gamma) (bz = q B_z / m c, ks = B_z / B rho).
  const double bz = 3.0;
  const auto a = chr_acc(0.9, 0.0, bz);
  auto sol = thick<Solenoid>(0.9);
  sol.ks = bz / ref0.beta_gamma();
  RefPart ra = ref0, rs = ref0;
  const RefPart before = ra;
  a.push_reference(ra);
  sol.push_reference(rs);
  EXPECT_LT(a.linear_map(before, ra).max_abs_diff(sol.linear_map(rs)), 1e-14);
  EXPECT_NEAR(ra.t, rs.t, 1e-15);
  // Continuity at ez = 0 and bz = 0: the limits equal the mean of the maps at +-h (to O(h^2)).
  for (const auto& [ez, bz, dez, dbz] :
       {std::array{0.0, 3.0, 1e-5, 0.0}, std::array{5.0, 0.0, 0.0, 1e-5}, std::array{0.0, 0.0, 1e-5, 1e-5}}) {
    auto run = [&](double e, double b, RefPart& r) {
      const auto el = chr_acc(0.9, e, b);
      el.push_reference(r);
      return apply_alive(el.particle_map(ref0, r), kOffAxis);
    };
    RefPart r0 = ref0, rp = ref0, rm = ref0;
    const Vec6 z0 = run(ez, bz, r0), zp = run(ez + dez, bz + dbz, rp), zm = run(ez - dez, bz - dbz, rm);
    for (int i = 0; i < 6; ++i)
      EXPECT_NEAR(z0[i], 0.5 * (zp[i] + zm[i]), 3e-10) << ez << " " << bz << " " << i;
    EXPECT_NEAR(r0.t, 0.5 * (rp.t + rm.t), 1e-10) << ez << " " << bz;
    EXPECT_GT(max_diff(zp, zm), 1e-12) << ez << " " << bz;  // the perturbation is seen
  }
  // No fields: a drift to first order.
  const auto d = chr_acc(0.9, 0.0, 0.0);
  RefPart r = ref0;
  d.push_reference(r);
  auto drift = thick<Drift>(0.9);
  EXPECT_LT(d.linear_map(ref0, r).max_abs_diff(drift.linear_map(r)), 1e-15);
}

TEST(ChrAcc, Reversible) {
  const RefPart ref0 = electron_GeV(0.004);
  const auto f = chr_acc(0.7, 12.0, 5.0, 2), b = chr_acc(-0.7, 12.0, 5.0, 2);
  RefPart ref = ref0;
  Vec6 z = kOffAxis;
  const Matrix6 mf = track_entrance(f, ref, z);
  const Vec6 mid = z;
  const Matrix6 mb = track_entrance(b, ref, z);
  EXPECT_GT(max_diff(mid, kOffAxis), 1e-4);
  EXPECT_LT(max_diff(z, kOffAxis), 1e-12);
  EXPECT_LT((mb * mf).max_abs_diff(Matrix6::identity()), 1e-12);
  EXPECT_NEAR(ref.pt, ref0.pt, 1e-12);
  EXPECT_NEAR(ref.t, ref0.t, 1e-12);
  EXPECT_NEAR(ref.z, ref0.z, 1e-14);
  EXPECT_NEAR(ref.pz, ref0.pz, 1e-12);
}

TEST(ChrAcc, LosesParticlesThatStop) {
  // A particle whose total energy would fall below m c^2 in a decelerating field is lost.
  const RefPart ref0 = electron_GeV(0.001);  // gamma ~ 2.96
  const auto a = chr_acc(0.1, -10.0, 0.0);   // the reference reaches gamma ~ 1.96
  RefPart ref = ref0;
  a.push_reference(ref);
  const auto map = a.particle_map(ref0, ref);
  double x = 0, px = 0, y = 0, py = 0, t = 0, pt = 1.2 / ref0.beta_gamma();  // gamma lower by 1.2
  EXPECT_FALSE(map(x, px, y, py, t, pt));
  pt = 0.5 / ref0.beta_gamma();
  EXPECT_TRUE(map(x, px, y, py, t, pt));
}
