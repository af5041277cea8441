// Chromatic and exact straight elements and the thin nonlinear lenses: symplecticity, linear
// maps, reversibility, continuity with the linear elements, the order of the exact
// integrators, agreement with a Runge-Kutta integration of each element's Hamiltonian, units.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "TestSupport.hpp"
#include "elements/ChrDrift.hpp"
#include "elements/ChrPlasmaLens.hpp"
#include "elements/ChrQuad.hpp"
#include "elements/ConstF.hpp"
#include "elements/Drift.hpp"
#include "elements/ExactDrift.hpp"
#include "elements/ExactMultipole.hpp"
#include "elements/ExactQuad.hpp"
#include "elements/NonlinearLens.hpp"
#include "elements/Quad.hpp"
#include "elements/QuadEdge.hpp"
#include "elements/TaperedPL.hpp"

using wakeline::test::thick;

using namespace wakeline;
using namespace wakeline::elements;
using wakeline::test::apply;
using wakeline::test::jacobian;
using wakeline::test::symplectic_error;
using Z = std::array<double, 6>;

namespace {

// A proton at 100 MeV: beta = 0.43, so 1/beta and 1/(beta gamma)^2 terms are not hidden.
RefPart proton(double kinetic_MeV = 100.0) {
  RefPart r;
  r.set_species("proton");
  r.set_kin_energy_MeV(kinetic_MeV);
  return r;
}

// The reference after one slice, as the tracker builds the map from it.
template <class E>
RefPart after(const E& e, RefPart ref) {
  e.push_reference(ref);
  return ref;
}
template <class E>
auto map_of(const E& e, const RefPart& ref) {
  return e.particle_map(after(e, ref));
}
template <class E>
Matrix6 linear_of(const E& e, const RefPart& ref) {
  return e.linear_map(after(e, ref));
}

// Applies a map that may report a loss; fails the test if it does.
template <class Map>
Z run(const Map& map, Z z) {
  if constexpr (std::is_same_v<bool, decltype(map(z[0], z[1], z[2], z[3], z[4], z[5]))>) {
    EXPECT_TRUE(map(z[0], z[1], z[2], z[3], z[4], z[5]));
  } else {
    map(z[0], z[1], z[2], z[3], z[4], z[5]);
  }
  return z;
}

double max_diff(const Z& a, const Z& b) {
  double d = 0.0;
  for (int i = 0; i < 6; ++i) d = std::fmax(d, std::fabs(a[i] - b[i]));
  return d;
}
Z scaled(const Z& z, double s) {
  Z r = z;
  for (double& v : r) v *= s;
  return r;
}

// An off-axis, off-energy particle with amplitudes large enough for the nonlinear terms to show.
const Z kOff = {2e-3, -3e-3, -1.5e-3, 2.5e-3, 1e-3, 4e-3};

// Hamiltonians in ImpactX variables, s as the independent variable (pt is conserved).
using Hamiltonian = std::function<double(const Z&)>;
double delta1_sq(double pt, double beta) { return 1.0 - 2.0 * pt / beta + pt * pt; }
// The exact straight-element Hamiltonian plus a transverse potential V(x, y).
Hamiltonian exact_h(double beta, std::function<double(double, double)> V) {
  return [=](const Z& z) {
    return -std::sqrt(delta1_sq(z[5], beta) - z[1] * z[1] - z[3] * z[3]) - z[5] / beta + V(z[0], z[2]);
  };
}
// Its expansion to second order in px, py (the chromatic elements), exact in pt.
Hamiltonian paraxial_h(double beta, std::function<double(double, double)> V) {
  return [=](const Z& z) {
    const double d1 = std::sqrt(delta1_sq(z[5], beta));
    return -d1 + (z[1] * z[1] + z[3] * z[3]) / (2.0 * d1) - z[5] / beta + V(z[0], z[2]);
  };
}

// dz/ds = J grad H, the gradient by fourth-order central differences (an independent route to
// the equations of motion: no hand-derived derivative enters).
Z flow(const Hamiltonian& H, const Z& z) {
  Z g{};
  for (int i = 0; i < 6; ++i) {
    const double h = 2e-4;
    auto at = [&](double d) {
      Z w = z;
      w[i] += d;
      return H(w);
    };
    g[i] = (8.0 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12.0 * h);
  }
  return {g[1], -g[0], g[3], -g[2], g[5], -g[4]};
}
Z rk4(const Hamiltonian& H, Z z, double L, int n) {
  const double h = L / n;
  for (int k = 0; k < n; ++k) {
    const Z k1 = flow(H, z);
    Z w;
    for (int i = 0; i < 6; ++i) w[i] = z[i] + 0.5 * h * k1[i];
    const Z k2 = flow(H, w);
    for (int i = 0; i < 6; ++i) w[i] = z[i] + 0.5 * h * k2[i];
    const Z k3 = flow(H, w);
    for (int i = 0; i < 6; ++i) w[i] = z[i] + h * k3[i];
    const Z k4 = flow(H, w);
    for (int i = 0; i < 6; ++i) z[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }
  return z;
}

ExactQuad exact_quad(double ds, double k, int order, int mapsteps) {
  auto q = thick<ExactQuad>(ds);
  q.k = k, q.int_order = order, q.mapsteps = mapsteps;
  return q;
}
ExactMultipole exact_multipole(double ds, std::vector<double> kn, std::vector<double> ks, int order,
                               int mapsteps) {
  auto m = thick<ExactMultipole>(ds);
  m.k_normal = std::move(kn), m.k_skew = std::move(ks), m.int_order = order, m.mapsteps = mapsteps;
  return m;
}

}  // namespace

// ---------------------------------------------------------------- symplecticity

TEST(StraightElements, MapsAreSymplecticOffAxis) {
  const RefPart ref = proton();
  auto check = [&](const auto& e, const char* what) {
    const auto map = map_of(e, ref);
    EXPECT_LT(symplectic_error(jacobian(map, kOff, 1e-6)), 1e-8) << what;
  };
  check(thick<ChrDrift>(1.3), "ChrDrift");
  check(thick<ExactDrift>(1.3), "ExactDrift");
  for (double k : {2.5, -1.7}) {
    auto q = thick<ChrQuad>(0.7);
    q.k = k;
    check(q, "ChrQuad");
    auto p = thick<ChrPlasmaLens>(0.7);
    p.k = k;
    check(p, "ChrPlasmaLens");
    for (int order : {2, 4, 6}) check(exact_quad(0.7, k, order, 3), "ExactQuad");
  }
  for (int order : {2, 4, 6})
    check(exact_multipole(0.6, {0.01, 1.8, 40.0, -300.0}, {0.0, 0.5, -20.0, 100.0}, order, 4),
          "ExactMultipole");
  TaperedPL tpl;
  tpl.k = 3.0, tpl.taper = 20.0;
  check(tpl, "TaperedPL");
  NonlinearLens nll;
  nll.knll = 4e-6, nll.cnll = 0.01;
  check(nll, "NonlinearLens");
  for (bool exit : {false, true}) {
    QuadEdge qe;
    qe.k = 40.0, qe.exit = exit;
    check(qe, "QuadEdge");
  }
}

// A wrong t-update (here: the chromatic path-length term dropped) must break symplecticity,
// so the test above can fail.
TEST(StraightElements, SymplecticityTestDetectsAWrongTimeUpdate) {
  const RefPart ref = proton();
  auto q = thick<ChrQuad>(0.7);
  q.k = 2.5;
  const ChromaticMap good = map_of(q, ref);
  auto bad = [&](double& x, double& px, double& y, double& py, double& t, double& pt) {
    const double t0 = t;
    double tt = t;
    good(x, px, y, py, tt, pt);
    const double d1 = momentum_ratio(pt, good.ibeta);
    t = t0 + good.L * chromatic_slip(pt, d1, good.ibeta, good.ibg2);
  };
  EXPECT_GT(symplectic_error(jacobian(bad, kOff, 1e-6)), 1e-6);
}

// ---------------------------------------------------------------- linear maps

TEST(StraightElements, JacobianAtOriginIsTheLinearMap) {
  const RefPart ref = proton();
  const Z origin{};
  auto check = [&](const auto& e, const char* what, double tol = 1e-9, double h = 1e-6) {
    const auto map = map_of(e, ref);
    EXPECT_LT(jacobian(map, origin, h).max_abs_diff(linear_of(e, ref)), tol) << what;
    EXPECT_LT(max_diff(run(map, origin), origin), 1e-15) << what << ": the reference orbit maps to itself";
  };
  check(thick<ChrDrift>(1.3), "ChrDrift");
  check(thick<ExactDrift>(1.3), "ExactDrift");
  for (double k : {2.5, -1.7}) {
    auto q = thick<ChrQuad>(0.7);
    q.k = k;
    check(q, "ChrQuad");
    auto p = thick<ChrPlasmaLens>(0.7);
    p.k = k;
    check(p, "ChrPlasmaLens");
    // The exact-minus-paraxial drift has no linear part: exact for any mapsteps.
    for (int order : {2, 4, 6}) check(exact_quad(0.7, k, order, 1), "ExactQuad");
  }
  // Drift-kick splitting approximates the linear quadrupole to the integrator's order.
  check(exact_multipole(0.6, {0.0, 1.8, 40.0}, {0.0, -0.9, 10.0}, 6, 20), "ExactMultipole", 1e-9);
  TaperedPL tpl;
  tpl.k = 3.0, tpl.taper = 20.0;
  check(tpl, "TaperedPL");
  NonlinearLens nll;
  nll.knll = 4e-6, nll.cnll = 0.01;
  check(nll, "NonlinearLens", 1e-9, 1e-7);  // cnll = 1 cm: a smaller difference step
  QuadEdge qe;
  qe.k = 40.0;
  check(qe, "QuadEdge");
}

TEST(StraightElements, LinearMapsAreSymplecticAndMatchTheLinearElements) {
  const RefPart ref = proton();
  auto q = thick<ChrQuad>(0.7);
  q.k = -1.7;
  auto lin = thick<Quad>(0.7);
  lin.k = -1.7;
  EXPECT_LT(linear_of(q, ref).max_abs_diff(linear_of(lin, ref)), 1e-15);
  EXPECT_LT(linear_of(exact_quad(0.7, -1.7, 4, 3), ref).max_abs_diff(linear_of(lin, ref)), 1e-15);
  EXPECT_LT(linear_of(thick<ChrDrift>(0.7), ref).max_abs_diff(linear_of(thick<Drift>(0.7), ref)), 1e-15);
  EXPECT_LT(linear_of(thick<ExactDrift>(0.7), ref).max_abs_diff(linear_of(thick<Drift>(0.7), ref)), 1e-15);
  // A skew quadrupole is a normal one rolled by 45 degrees: R = A R_normal A^T.
  const double kq = 1.3;
  const Matrix6 skew = linear_of(exact_multipole(0.6, {0.0, 0.0}, {0.0, kq}, 2, 1), ref);
  const Matrix6 normal = linear_of(exact_multipole(0.6, {0.0, kq}, {0.0, 0.0}, 2, 1), ref);
  EXPECT_LT(linear_of(exact_multipole(0.6, {0.0, kq}, {0.0, 0.0}, 2, 1), ref)
                .max_abs_diff(linear_of(exact_quad(0.6, kq, 2, 1), ref)),
            1e-14);
  Matrix6 a = Matrix6::identity();
  const double c = std::cos(constants::pi / 4), s = std::sin(constants::pi / 4);
  for (int i = 0; i < 2; ++i) a(i, i) = a(i + 2, i + 2) = c, a(i, i + 2) = s, a(i + 2, i) = -s;
  EXPECT_LT((a * normal * a.transpose()).max_abs_diff(skew), 1e-14);
  EXPECT_LT(symplectic_error(skew), 1e-14);
  auto pl = thick<ChrPlasmaLens>(0.7);
  pl.k = -2.0;
  EXPECT_LT(symplectic_error(linear_of(pl, ref)), 1e-14);
}

// ---------------------------------------------------------------- reversibility

TEST(StraightElements, NegativeLengthUndoesPositiveLength) {
  const RefPart ref0 = proton();
  auto check = [&](auto fwd, const char* what) {
    auto back = fwd;
    back.ds = -fwd.ds;
    RefPart ref = ref0;
    fwd.push_reference(ref);
    const Z mid = run(fwd.particle_map(ref), kOff);
    back.push_reference(ref);
    const Z end = run(back.particle_map(ref), mid);
    EXPECT_GT(max_diff(mid, kOff), 1e-4) << what;
    EXPECT_LT(max_diff(end, kOff), 1e-12) << what;
    EXPECT_NEAR(ref.s, ref0.s, 1e-14) << what;
    EXPECT_NEAR(ref.z, ref0.z, 1e-14) << what;
    EXPECT_NEAR(ref.t, ref0.t, 1e-14) << what;
  };
  check(thick<ChrDrift>(1.1), "ChrDrift");
  check(thick<ExactDrift>(1.1), "ExactDrift");
  for (double k : {2.5, -1.7}) {
    auto q = thick<ChrQuad>(0.9);
    q.k = k;
    check(q, "ChrQuad");
    auto p = thick<ChrPlasmaLens>(0.9);
    p.k = k;
    check(p, "ChrPlasmaLens");
    for (int order : {2, 4, 6}) check(exact_quad(0.9, k, order, 3), "ExactQuad");
  }
  for (int order : {2, 4, 6})
    check(exact_multipole(0.6, {0.01, 1.8, 40.0, -300.0}, {0.0, 0.5, -20.0, 100.0}, order, 4),
          "ExactMultipole");
}

// ---------------------------------------------------------------- continuity

// Difference between two maps at amplitude s * kOff, for s = 1e-2 and 5e-3: the ratio tells the
// order at which they first differ.
template <class A, class B>
double order_of_difference(const A& a, const B& b) {
  const double s1 = 1e-2, s2 = 5e-3;
  const double d1 = max_diff(run(a, scaled(kOff, s1 / 4e-3)), run(b, scaled(kOff, s1 / 4e-3)));
  const double d2 = max_diff(run(a, scaled(kOff, s2 / 4e-3)), run(b, scaled(kOff, s2 / 4e-3)));
  return std::log2(d1 / d2);
}

TEST(StraightElements, ChromaticMapsReduceToLinearOnesAtSecondOrder) {
  const RefPart ref = proton();
  for (double k : {2.5, -1.7}) {
    auto q = thick<ChrQuad>(0.8);
    q.k = k;
    auto lin = thick<Quad>(0.8);
    lin.k = k;
    EXPECT_NEAR(order_of_difference(map_of(q, ref), map_of(lin, ref)), 2.0, 0.05) << k;
  }
  EXPECT_NEAR(order_of_difference(map_of(thick<ChrDrift>(0.8), ref), map_of(thick<Drift>(0.8), ref)), 2.0,
              0.05);
  // Exact and paraxial dynamics differ at third order (x += L px (1/pz - 1/delta1)).
  EXPECT_NEAR(order_of_difference(map_of(thick<ExactDrift>(0.8), ref), map_of(thick<ChrDrift>(0.8), ref)),
              3.0, 0.1);
  auto cq = thick<ChrQuad>(0.8);
  cq.k = 2.5;
  EXPECT_NEAR(order_of_difference(map_of(exact_quad(0.8, 2.5, 6, 40), ref), map_of(cq, ref)), 3.0, 0.1);
  // At zero strength the quad is the drift, continuously.
  auto q0 = thick<ChrQuad>(0.8);
  q0.k = 1e-14;
  EXPECT_LT(max_diff(run(map_of(q0, ref), kOff), run(map_of(thick<ChrDrift>(0.8), ref), kOff)), 1e-15);
  auto p0 = thick<ChrPlasmaLens>(0.8);
  p0.k = -1e-14;
  EXPECT_LT(max_diff(run(map_of(p0, ref), kOff), run(map_of(thick<ChrDrift>(0.8), ref), kOff)), 1e-15);
  EXPECT_LT(max_diff(run(map_of(exact_quad(0.8, 0.0, 4, 3), ref), kOff),
                     run(map_of(thick<ExactDrift>(0.8), ref), kOff)),
            1e-15);
}

// An ExactMultipole with only a quadrupole coefficient and an ExactQuad integrate the same
// Hamiltonian with different splittings; both converge to it.
TEST(StraightElements, ExactMultipoleQuadrupoleMatchesExactQuad) {
  const RefPart ref = proton();
  const Z big = scaled(kOff, 10.0);
  const Z a = run(map_of(exact_multipole(0.8, {0.0, 2.5}, {0.0, 0.0}, 6, 40), ref), big);
  const Z b = run(map_of(exact_quad(0.8, 2.5, 6, 40), ref), big);
  EXPECT_LT(max_diff(a, b), 1e-12);
}

// ---------------------------------------------------------------- integrator order

TEST(StraightElements, ExactQuadConvergesWithTheIntegratorOrder) {
  const RefPart ref = proton();
  const Z big = {1e-2, 0.08, -1.2e-2, -0.06, 0.0, 0.05};  // large angles: the split matters
  const Z exact = run(map_of(exact_quad(1.0, 3.0, 6, 400), ref), big);
  for (int order : {2, 4, 6}) {
    const int n = order == 6 ? 2 : 4;
    const double e1 = max_diff(run(map_of(exact_quad(1.0, 3.0, order, n), ref), big), exact);
    const double e2 = max_diff(run(map_of(exact_quad(1.0, 3.0, order, 2 * n), ref), big), exact);
    EXPECT_NEAR(std::log2(e1 / e2), order, 0.3) << "order " << order << ": " << e1 << " -> " << e2;
  }
}

TEST(StraightElements, ExactMultipoleConvergesWithTheIntegratorOrder) {
  const RefPart ref = proton();
  const Z big = {1e-2, 0.05, -1.2e-2, -0.04, 0.0, 0.03};
  const auto make = [](int order, int n) {
    return exact_multipole(1.0, {0.0, 3.0, 100.0, -1000.0}, {0.0, 1.0, -30.0, 300.0}, order, n);
  };
  const Z exact = run(map_of(make(6, 400), ref), big);
  for (int order : {2, 4, 6}) {
    const int n = order == 6 ? 8 : 16;
    const double e1 = max_diff(run(map_of(make(order, n), ref), big), exact);
    const double e2 = max_diff(run(map_of(make(order, 2 * n), ref), big), exact);
    EXPECT_NEAR(std::log2(e1 / e2), order, 0.3) << "order " << order << ": " << e1 << " -> " << e2;
  }
}

// ---------------------------------------------------------------- against the Hamiltonian

// ChrQuad and ChrPlasmaLens integrate the paraxial Hamiltonian exactly, including the t-update
// (the path length). Both signs of g: ImpactX's defocusing plasma lens has the w^2 L term of
// its t-update with the wrong sign; this test would catch that.
TEST(StraightElements, ChromaticMapsMatchRungeKuttaOfTheirHamiltonian) {
  const RefPart ref = proton();
  const double beta = ref.beta(), L = 0.9;
  const Z z0 = scaled(kOff, 5.0);
  auto check = [&](const auto& e, std::function<double(double, double)> V, const char* what) {
    const Z got = run(map_of(e, ref), z0);
    const Z want = rk4(paraxial_h(beta, V), z0, L, 2000);
    EXPECT_LT(max_diff(got, want), 1e-11) << what;
    EXPECT_GT(std::fabs(got[4] - z0[4]), 1e-4) << what << ": t must move";
  };
  check(
      thick<ChrDrift>(L), [](double, double) { return 0.0; }, "ChrDrift");
  for (double g : {2.5, -1.7}) {
    auto q = thick<ChrQuad>(L);
    q.k = g;
    check(
        q, [g](double x, double y) { return 0.5 * g * (x * x - y * y); }, "ChrQuad");
    auto p = thick<ChrPlasmaLens>(L);
    p.k = g;
    check(
        p, [g](double x, double y) { return 0.5 * g * (x * x + y * y); }, "ChrPlasmaLens");
  }
}

TEST(StraightElements, ExactMapsMatchRungeKuttaOfTheExactHamiltonian) {
  const RefPart ref = proton();
  const double beta = ref.beta(), L = 0.9;
  const Z z0 = {1e-2, 0.08, -1.2e-2, -0.06, 2e-3, 0.05};
  EXPECT_LT(max_diff(run(map_of(thick<ExactDrift>(L), ref), z0),
                     rk4(exact_h(beta, [](double, double) { return 0.0; }), z0, L, 2000)),
            1e-11);
  const double g = -3.0;
  EXPECT_LT(max_diff(run(map_of(exact_quad(L, g, 6, 30), ref), z0),
                     rk4(exact_h(beta, [g](double x, double y) { return 0.5 * g * (x * x - y * y); }), z0, L,
                         2000)),
            1e-11);
  // Re sum (kn + i ks)(x + i y)^(m+1)/(m+1)! for kn = {0.02, 1.5, 30}, ks = {0, -0.7, 12}.
  const std::vector<double> kn{0.02, 1.5, 30.0}, ks{0.0, -0.7, 12.0};
  auto V = [&](double x, double y) {
    double re = 1.0, im = 0.0, v = 0.0, fact = 1.0;
    for (std::size_t m = 0; m < kn.size(); ++m) {
      const double r2 = re * x - im * y;
      im = re * y + im * x, re = r2;  // (x + i y)^(m+1)
      fact *= static_cast<double>(m + 1);
      v += (kn[m] * re - ks[m] * im) / fact;
    }
    return v;
  };
  EXPECT_LT(
      max_diff(run(map_of(exact_multipole(L, kn, ks, 6, 100), ref), z0), rk4(exact_h(beta, V), z0, L, 2000)),
      1e-11);
}

// ---------------------------------------------------------------- losses

TEST(StraightElements, ExactMapsLoseParticlesWithoutLongitudinalMomentum) {
  const RefPart ref = proton();
  Z z = {0.0, 0.9, 0.0, 0.9, 0.0, 0.0};  // px^2 + py^2 > delta1^2 = 1
  EXPECT_FALSE(map_of(thick<ExactDrift>(1.0), ref)(z[0], z[1], z[2], z[3], z[4], z[5]));
  EXPECT_FALSE(map_of(exact_quad(1.0, 1.0, 2, 2), ref)(z[0], z[1], z[2], z[3], z[4], z[5]));
  EXPECT_FALSE(
      map_of(exact_multipole(1.0, {0.0, 1.0}, {0.0, 0.0}, 2, 2), ref)(z[0], z[1], z[2], z[3], z[4], z[5]));
  for (double v : z) EXPECT_TRUE(std::isfinite(v));
}

// ---------------------------------------------------------------- units

TEST(StraightElements, FieldUnitsEqualNormalisedUnitsOverRigidity) {
  for (const RefPart& ref : {proton(), wakeline::test::electron_GeV(0.5)}) {  // both charge signs
    const double brho = ref.rigidity_Tm();
    auto same = [&](const auto& e0, auto e1, const char* what) {
      e1.units = 1;
      EXPECT_LT(max_diff(run(map_of(e0, ref), kOff), run(map_of(e1, ref), kOff)), 1e-15) << what;
      EXPECT_LT(linear_of(e0, ref).max_abs_diff(linear_of(e1, ref)), 1e-14) << what;
    };
    auto q = thick<ChrQuad>(0.5), qT = q;
    q.k = 2.0, qT.k = 2.0 * brho;
    same(q, qT, "ChrQuad");
    auto p = thick<ChrPlasmaLens>(0.5), pT = p;
    p.k = -2.0, pT.k = -2.0 * brho;
    same(p, pT, "ChrPlasmaLens");
    auto x = exact_quad(0.5, 2.0, 4, 3), xT = exact_quad(0.5, 2.0 * brho, 4, 3);
    same(x, xT, "ExactQuad");
    auto m = exact_multipole(0.5, {0.01, 2.0, 30.0}, {0.0, 1.0, -5.0}, 4, 3);
    auto mT = exact_multipole(0.5, {0.01 * brho, 2.0 * brho, 30.0 * brho}, {0.0, brho, -5.0 * brho}, 4, 3);
    same(m, mT, "ExactMultipole");
    TaperedPL t, tT;
    t.k = 3.0, t.taper = 10.0, tT.k = 3.0 * brho, tT.taper = 10.0;
    same(t, tT, "TaperedPL");
    QuadEdge e, eT;
    e.k = 30.0, eT.k = 30.0 * brho;
    same(e, eT, "QuadEdge");
  }
}

// ---------------------------------------------------------------- thin nonlinear elements

// The kick is knll times the gradient of the Danilov-Nagaitsev potential, written here
// independently in elliptic coordinates (xi, eta):
//   U = [xi sqrt(xi^2 - 1) arccosh(xi) + eta sqrt(1 - eta^2) (arccos(eta) - pi/2)] / (xi^2 - eta^2),
// in units of the distance c of the singularities. Its invariants follow from this potential.
TEST(StraightElements, NonlinearLensKickIsTheDanilovNagaitsevPotentialGradient) {
  NonlinearLens nll;
  nll.knll = 4e-6, nll.cnll = 0.01;
  const NonlinearLensMap map = nll.particle_map(proton());
  const double c = nll.cnll;
  auto U = [c](double x, double y) {
    const double r1 = std::hypot(x + c, y), r2 = std::hypot(x - c, y);
    const double xi = (r1 + r2) / (2 * c), eta = (r1 - r2) / (2 * c);
    return (xi * std::sqrt(xi * xi - 1) * std::acosh(xi) +
            eta * std::sqrt(1 - eta * eta) * (std::acos(eta) - constants::pi / 2)) /
           (xi * xi - eta * eta);
  };
  for (const auto& [x, y] : std::vector<std::pair<double, double>>{
           {1e-3, 2e-3}, {3e-3, -1e-3}, {-5e-3, 4e-3}, {5e-4, 7e-3}, {8e-3, 1e-4}, {-2e-3, -6e-3}}) {
    const double h = 1e-7;
    const double gx = (U(x + h, y) - U(x - h, y)) / (2 * h), gy = (U(x, y + h) - U(x, y - h)) / (2 * h);
    const Z z = run(map, {x, 0.0, y, 0.0, 0.0, 0.0});
    const double scale = nll.knll / (c * c) * std::hypot(x, y);
    EXPECT_NEAR(z[1], nll.knll * gx, 1e-6 * scale) << x << ", " << y;
    EXPECT_NEAR(z[3], nll.knll * gy, 1e-6 * scale) << x << ", " << y;
  }
}

// ImpactX's iota_lens example in miniature: 18 thin lenses (knll = 4e-6 m, cnll = 1 cm) spaced by
// 0.1 m of constant focusing (k = 1/m, so beta = 1 m), i.e. t = knll/(0.1 m) * beta/cnll^2 = 0.4.
// The Danilov-Nagaitsev invariants, in normalised variables xn = x/cnll, pxn = px beta/cnll,
//   H = (xn^2 + yn^2 + pxn^2 + pyn^2)/2 + t Re[zeta arcsin(zeta)/sqrt(1 - zeta^2)],
//   I = (xn pyn - yn pxn)^2 + pxn^2 + xn^2 + t Re[(zeta + conj zeta) arcsin(zeta)/sqrt(1 - zeta^2)],
// are conserved up to the thin-lens discretisation (ImpactX's test: 2.5e-3 Hrms, 3.5e-3 Irms).
TEST(StraightElements, NonlinearLensChannelConservesDanilovNagaitsevInvariants) {
  RefPart ref;
  ref.set_species("proton");
  ref.set_kin_energy_MeV(2.5);
  const double knll = 4e-6, cnll = 0.01, tn = 0.4;
  NonlinearLens lens;
  lens.knll = knll, lens.cnll = cnll;
  auto half = thick<ConstF>(0.05), full = thick<ConstF>(0.1);
  half.kx = half.ky = full.kx = full.ky = 1.0;
  half.kt = full.kt = 1e-12;
  const auto kick = lens.particle_map(ref);
  const auto m_half = map_of(half, ref), m_full = map_of(full, ref);
  auto channel = [&](Z z) {
    z = apply(m_half, z);
    z = apply(kick, z);
    for (int i = 0; i < 17; ++i) z = apply(kick, apply(m_full, z));
    return apply(m_half, z);
  };
  auto invariants = [&](const Z& z) {
    const double xn = z[0] / cnll, yn = z[2] / cnll, pxn = z[1] / cnll, pyn = z[3] / cnll;
    const std::complex<double> zeta(xn, yn), root = std::sqrt(1.0 - zeta * zeta);
    const std::complex<double> f = std::asin(zeta) / root;
    const double jz = xn * pyn - yn * pxn;
    const double H = 0.5 * (xn * xn + yn * yn + pxn * pxn + pyn * pyn) + tn * std::real(zeta * f);
    const double I = jz * jz + pxn * pxn + xn * xn + tn * std::real((zeta + std::conj(zeta)) * f);
    return std::pair{H, I};
  };
  std::uint64_t seed = 12345;
  auto uniform = [&] {  // deterministic, in [-1, 1)
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(seed >> 11) * 0x1.0p-52 - 1.0;
  };
  double h2 = 0, i2 = 0, dh = 0, di = 0;
  const int n = 400;
  for (int k = 0; k < n; ++k) {
    const Z z0 = {0.4 * cnll * uniform(),
                  0.3 * cnll * uniform(),
                  0.4 * cnll * uniform(),
                  0.3 * cnll * uniform(),
                  0.0,
                  0.0};
    const auto [H0, I0] = invariants(z0);
    const auto [H1, I1] = invariants(channel(z0));
    h2 += H0 * H0 / n, i2 += I0 * I0 / n;
    dh = std::fmax(dh, std::fabs(H1 - H0)), di = std::fmax(di, std::fabs(I1 - I0));
  }
  EXPECT_LT(dh, 2.5e-3 * std::sqrt(h2));
  EXPECT_LT(di, 3.5e-3 * std::sqrt(i2));
}

// To first order in k, the entrance fringe is the Lee-Whiting / Forest hard-edge map
// (as in MAD-X PTC): x += k/(12 delta1) (x^3 + 3 x y^2), px += -k/(4 delta1) r^2 px + k/(2 delta1) x y py,
// and the exit fringe is its mirror (k -> -k).
TEST(StraightElements, QuadEdgeIsTheHardEdgeFringeToFirstOrder) {
  const RefPart ref = proton();
  const double beta = ref.beta();
  const Z z0 = {4e-3, 2e-3, -3e-3, 1e-3, 0.0, 0.02};
  const double d1 = std::sqrt(delta1_sq(z0[5], beta));
  for (bool exit : {false, true}) {
    QuadEdge e;
    e.k = 1e-3, e.exit = exit;
    const double k = (exit ? -1.0 : 1.0) * e.k;
    const Z z = run(e.particle_map(ref), z0);
    const double x = z0[0], y = z0[2], px = z0[1], py = z0[3], r2 = x * x + y * y;
    const double dx = k / (12 * d1) * (x * x * x + 3 * x * y * y),
                 dy = -k / (12 * d1) * (y * y * y + 3 * x * x * y);
    const double dpx = -k / (4 * d1) * r2 * px + k / (2 * d1) * x * y * py;
    const double dpy = k / (4 * d1) * r2 * py - k / (2 * d1) * x * y * px;
    EXPECT_NEAR(z[0] - x, dx, 1e-3 * std::fabs(dx));
    EXPECT_NEAR(z[2] - y, dy, 1e-3 * std::fabs(dy));
    EXPECT_NEAR(z[1] - px, dpx, 1e-3 * std::fabs(dpx));
    EXPECT_NEAR(z[3] - py, dpy, 1e-3 * std::fabs(dpy));
  }
}

TEST(StraightElements, TaperedPlasmaLensKick) {
  TaperedPL t;
  t.k = 2.0, t.taper = 50.0;
  const Z z = run(t.particle_map(proton()), {3e-3, 1e-3, -2e-3, 0.0, 0.0, 0.0});
  EXPECT_NEAR(z[1], 1e-3 - 2.0 * (3e-3 + 25.0 * (9e-6 + 4e-6)), 1e-16);
  EXPECT_NEAR(z[3], -2.0 * (-2e-3 + 50.0 * 3e-3 * -2e-3), 1e-16);
}

TEST(StraightElements, ThinElementsDoNotMoveTheReference) {
  const RefPart ref = proton();
  RefPart r = ref;
  TaperedPL{}.push_reference(r);
  NonlinearLens{}.push_reference(r);
  QuadEdge{}.push_reference(r);
  EXPECT_EQ(r.s, ref.s);
  EXPECT_EQ(r.z, ref.z);
  EXPECT_EQ(r.t, ref.t);
  EXPECT_EQ(r.pt, ref.pt);
}

// Maps must be copyable to the device as plain bytes.
static_assert(std::is_trivially_copyable_v<ChromaticMap>);
static_assert(std::is_trivially_copyable_v<ExactDriftMap>);
static_assert(std::is_trivially_copyable_v<ExactQuadMap>);
static_assert(std::is_trivially_copyable_v<ExactMultipoleMap>);
static_assert(std::is_trivially_copyable_v<TaperedPLMap>);
static_assert(std::is_trivially_copyable_v<NonlinearLensMap>);
static_assert(std::is_trivially_copyable_v<QuadEdgeMap>);
