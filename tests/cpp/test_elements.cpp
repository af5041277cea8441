// Element maps: against the generator of the linear motion (matrix exponential), symplecticity,
// reversibility, particle map == linear map for linear elements, and the linearisation of the
// nonlinear thin elements.
#include <gtest/gtest.h>

#include "TestSupport.hpp"
#include "elements/Element.hpp"

using wakeline::test::thick;

using namespace wakeline;
using namespace wakeline::elements;
using wakeline::test::electron_GeV;
using wakeline::test::expm;
using wakeline::test::max_rel_diff;
using wakeline::test::symplectic_error;

namespace {

// Linear map of one slice, with the reference pushed first (the tracker's order).
Matrix6 slice_map(const Element& e, RefPart ref) { return push_with_linear_map(e, ref); }

// Generator of the linear motion of a thick element in the 6D phase space: z' = A z.
Matrix6 generator(double kx2, double ky2, double bg) {
  Matrix6 a;
  a(0, 1) = 1.0, a(1, 0) = -kx2;
  a(2, 3) = 1.0, a(3, 2) = -ky2;
  a(4, 5) = 1.0 / (bg * bg);
  return a;
}

}  // namespace

TEST(Elements, DriftMatchesGenerator) {
  const RefPart ref = electron_GeV(0.01);  // low energy: R56 = L/(beta gamma)^2 is large
  const auto d = thick<Drift>(1.7);
  const Matrix6 expected = expm(wakeline::test::scaled(generator(0, 0, ref.beta_gamma()), 1.7));
  EXPECT_LT(max_rel_diff(slice_map(d, ref), expected), 1e-12);
}

TEST(Elements, QuadMatchesGeneratorBothSigns) {
  const RefPart ref = electron_GeV(2.0);
  for (double k : {1.3, -0.7}) {
    auto q = thick<Quad>(0.8);
    q.k = k;
    const Matrix6 expected = expm(wakeline::test::scaled(generator(k, -k, ref.beta_gamma()), 0.8));
    EXPECT_LT(max_rel_diff(slice_map(q, ref), expected), 1e-11) << "k = " << k;
    EXPECT_LT(symplectic_error(slice_map(q, ref)), 1e-12);
  }
}

TEST(Elements, QuadWithZeroStrengthIsDrift) {
  const RefPart ref = electron_GeV(2.0);
  auto q = thick<Quad>(0.8);
  q.k = 1e-14;  // continuity of the map as the strength goes to zero
  EXPECT_LT(slice_map(q, ref).max_abs_diff(slice_map(thick<Drift>(0.8), ref)), 1e-12);
  q.k = 0.0;
  EXPECT_LT(slice_map(q, ref).max_abs_diff(slice_map(thick<Drift>(0.8), ref)), 1e-15);
}

TEST(Elements, SbendMatchesGenerator) {
  const RefPart ref = electron_GeV(0.005);  // beta < 1 matters in the dispersive terms
  for (double rc : {2.5, -3.0}) {
    auto b = thick<Sbend>(0.6);
    b.rc = rc;
    const double beta = ref.beta(), bg = ref.beta_gamma();
    Matrix6 a = generator(1.0 / (rc * rc), 0.0, bg);
    a(1, 5) = -1.0 / (rc * beta);  // px' = -x/rc^2 - pt/(rc beta)
    a(4, 0) = 1.0 / (rc * beta);   // t'  = x/(rc beta) + pt/(beta gamma)^2
    const Matrix6 expected = expm(wakeline::test::scaled(a, 0.6));
    EXPECT_LT(max_rel_diff(slice_map(b, ref), expected, 1e-9), 1e-10) << "rc = " << rc;
    EXPECT_LT(symplectic_error(slice_map(b, ref)), 1e-12);
  }
}

TEST(Elements, ConstFMatchesGenerator) {
  const RefPart ref = electron_GeV(0.05);
  auto c = thick<ConstF>(2.0);
  c.kx = 0.7, c.ky = 1.1, c.kt = 0.3;
  const double bg = ref.beta_gamma();
  Matrix6 a = generator(c.kx * c.kx, c.ky * c.ky, bg);
  a(5, 4) = -c.kt * c.kt * bg * bg;
  EXPECT_LT(max_rel_diff(slice_map(c, ref), expm(wakeline::test::scaled(a, 2.0)), 1e-9), 1e-10);
  EXPECT_LT(symplectic_error(slice_map(c, ref)), 1e-12);
}

TEST(Elements, SolenoidMatchesLarmorGenerator) {
  const RefPart ref = electron_GeV(0.1);
  auto s = thick<Solenoid>(1.3);
  s.ks = 0.9;
  const double a = 0.5 * s.ks, bg = ref.beta_gamma();
  // x' = px + a y, y' = py - a x, px' = a (py - a x), py' = -a (px + a y)
  Matrix6 g;
  g(0, 1) = 1, g(0, 2) = a;
  g(2, 3) = 1, g(2, 0) = -a;
  g(1, 3) = a, g(1, 0) = -a * a;
  g(3, 1) = -a, g(3, 2) = -a * a;
  g(4, 5) = 1.0 / (bg * bg);
  EXPECT_LT(max_rel_diff(slice_map(s, ref), expm(wakeline::test::scaled(g, 1.3)), 1e-9), 1e-10);
  EXPECT_LT(symplectic_error(slice_map(s, ref)), 1e-12);
}

TEST(Elements, SolenoidConformanceCaseSwapsPlanes) {
  // ImpactX's examples/solenoid: ks L / 2 = pi/2 rotates by 90 degrees: x_out = py / a.
  RefPart ref;
  ref.set_species("proton");
  ref.set_kin_energy_MeV(250.0);
  auto s = thick<Solenoid>(3.820395);
  s.ks = 0.8223219329893234;
  const Matrix6 m = slice_map(s, ref);
  EXPECT_NEAR(m(0, 3), 2.0 / s.ks, 1e-5);
  EXPECT_NEAR(m(0, 0), 0.0, 1e-6);
}

TEST(Elements, ThickMapsAreReversible) {
  const RefPart ref = electron_GeV(0.3);
  auto check = [&](Element fwd, Element back) {
    RefPart r = ref;
    const Matrix6 mf = push_with_linear_map(fwd, r);
    const RefPart mid = r;
    const Matrix6 mb = push_with_linear_map(back, r);
    EXPECT_LT((mb * mf).max_abs_diff(Matrix6::identity()), 1e-12) << type_name(fwd);
    EXPECT_NEAR(r.s, ref.s, 1e-14);
    EXPECT_NEAR(r.x, ref.x, 1e-13);
    EXPECT_NEAR(r.z, ref.z, 1e-13);
    EXPECT_NEAR(r.t, ref.t, 1e-12);
    (void)mid;
  };
  auto q = thick<Quad>(0.5), qb = thick<Quad>(-0.5);
  q.k = qb.k = 2.0;
  check(q, qb);
  auto b = thick<Sbend>(0.5), bb = thick<Sbend>(-0.5);
  b.rc = bb.rc = 4.0;
  check(b, bb);
  auto s = thick<Solenoid>(0.5), sb = thick<Solenoid>(-0.5);
  s.ks = sb.ks = 1.5;
  check(s, sb);
  auto c = thick<ConstF>(0.5), cb = thick<ConstF>(-0.5);
  c.kx = cb.kx = 1, c.ky = cb.ky = 2, c.kt = cb.kt = 0.5;
  check(c, cb);
  check(thick<Drift>(0.5), thick<Drift>(-0.5));
}

TEST(Elements, ThinLinearElementsAreSymplectic) {
  const RefPart ref = electron_GeV(0.2);
  DipEdge e;
  e.psi = 0.1, e.rc = 5.0, e.g = 0.02, e.K2 = 0.5;
  Multipole m;
  m.multipole = 2, m.k_normal = 0.3, m.k_skew = 0.1;
  ThinDipole td;
  td.theta_deg = 2.0, td.rc = 3.0;
  PRot pr;
  pr.phi_in_deg = 3.0, pr.phi_out_deg = -2.0;
  PlaneXYRot rot;
  rot.angle_deg = 33.0;
  Buncher bu;
  bu.V = 0.01, bu.k = 15.0;
  for (const Element& el : std::vector<Element>{e, m, td, pr, rot, bu, Kicker{}, Marker{}, BeamMonitor{}}) {
    EXPECT_LT(symplectic_error(slice_map(el, ref)), 1e-12) << type_name(el);
  }
}

TEST(Elements, DipEdgeBrownModel) {
  const RefPart ref = electron_GeV(1.0);
  DipEdge e;
  e.psi = 0.2, e.rc = 4.0, e.g = 0.05, e.K2 = 0.4;
  const Matrix6 m = slice_map(e, ref);
  // Horizontal edge focusing tan(psi)/rc; vertical -tan(psi - psi_fringe)/rc to first order.
  const double fringe = e.g * e.K2 * (1 + std::sin(e.psi) * std::sin(e.psi)) / (e.rc * std::cos(e.psi));
  EXPECT_DOUBLE_EQ(m.R(2, 1), std::tan(0.2) / 4.0);
  EXPECT_NEAR(m.R(4, 3), -std::tan(e.psi) / e.rc + fringe / (e.rc * std::cos(e.psi) * std::cos(e.psi)),
              1e-15);
}

TEST(Elements, LinearParticleMapsEqualLinearMaps) {
  const RefPart ref0 = electron_GeV(0.05);
  auto q = thick<Quad>(0.4);
  q.k = -2.0;
  auto b = thick<Sbend>(0.4);
  b.rc = 2.0;
  auto c = thick<ConstF>(0.4);
  c.kx = 1, c.ky = -0.5, c.kt = 0.2;
  auto s = thick<Solenoid>(0.4);
  s.ks = 2.0;
  DipEdge e;
  e.psi = 0.1, e.rc = 2.0, e.g = 0.01;
  Buncher bu;
  bu.V = 0.02, bu.k = 10.0;
  PlaneXYRot rot;
  rot.angle_deg = 20.0;
  LinearMap lm;
  lm.r.R(1, 2) = 3.0, lm.r.R(6, 5) = -0.1;
  const std::array<double, 6> z = {1e-3, -2e-4, 5e-4, 3e-4, 1e-3, -2e-3};
  for (const Element& el : std::vector<Element>{thick<Drift>(0.4), q, b, c, s, e, bu, rot, lm}) {
    RefPart ref = ref0;
    push_reference(el, ref);
    const Matrix6 m = linear_map(el, ref0, ref);
    const ParticleMap pm = particle_map(el, ref0, ref);
    std::array<double, 6> got{};
    std::visit(
        [&](const auto& map) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(map)>, std::monostate>)
            got = wakeline::test::apply(map, z);
        },
        pm);
    for (int i = 0; i < 6; ++i) {
      double expect = 0;
      for (int j = 0; j < 6; ++j) expect += m(i, j) * z[j];
      EXPECT_NEAR(got[i], expect, 1e-15 + 1e-13 * std::fabs(expect)) << type_name(el) << " row " << i;
    }
  }
}

TEST(Elements, NonlinearThinMapsLineariseToTheirLinearMaps) {
  const RefPart ref = electron_GeV(0.003);  // beta visibly below 1
  ThinDipole td;
  td.theta_deg = 3.0, td.rc = 2.0;
  PRot pr;
  pr.phi_in_deg = 4.0, pr.phi_out_deg = -3.0;
  Multipole mq;
  mq.multipole = 2, mq.k_normal = 0.4, mq.k_skew = -0.2;
  ShortRF rf;
  rf.V = 0.05, rf.freq = 1.3e9, rf.phase_deg = -60.0;
  const std::array<double, 6> origin{};
  for (const Element& el : std::vector<Element>{td, pr, mq, rf}) {
    RefPart r = ref;
    push_reference(el, r);
    const Matrix6 m = linear_map(el, ref, r);
    std::visit(
        [&](const auto& map) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(map)>, std::monostate>) {
            EXPECT_LT(wakeline::test::jacobian(map, origin).max_abs_diff(m), 2e-8) << type_name(el);
            // The reference orbit (origin) maps to itself.
            const auto z = wakeline::test::apply(map, origin);
            for (double v : z) EXPECT_NEAR(v, 0.0, 1e-15) << type_name(el);
          }
        },
        particle_map(el, ref, r));
  }
}

TEST(Elements, NonlinearThinMapsAreSymplecticOffAxis) {
  const RefPart ref = electron_GeV(0.003);
  ThinDipole td;
  td.theta_deg = 3.0, td.rc = 2.0;
  PRot pr;
  pr.phi_in_deg = 4.0, pr.phi_out_deg = -3.0;
  Multipole sext;
  sext.multipole = 3, sext.k_normal = 20.0, sext.k_skew = 5.0;
  const std::array<double, 6> z = {2e-3, 1e-3, -1e-3, 2e-3, 1e-3, 3e-3};
  for (const Element& el : std::vector<Element>{td, pr, sext}) {
    RefPart r = ref;
    push_reference(el, r);
    std::visit(
        [&](const auto& map) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(map)>, std::monostate>) {
            EXPECT_LT(symplectic_error(wakeline::test::jacobian(map, z)), 1e-8) << type_name(el);
          }
        },
        particle_map(el, ref, r));
  }
}

TEST(Elements, SextupoleKickMatchesMadxConvention) {
  Multipole s;
  s.multipole = 3, s.k_normal = 2.0, s.k_skew = 0.0;
  const auto map = s.particle_map(RefPart{});
  const auto z = wakeline::test::apply(map, {0.1, 0, 0.05, 0, 0, 0});
  EXPECT_NEAR(z[1], -0.5 * 2.0 * (0.1 * 0.1 - 0.05 * 0.05), 1e-15);  // -k2/2 (x^2 - y^2)
  EXPECT_NEAR(z[3], 2.0 * 0.1 * 0.05, 1e-15);                        // +k2 x y
}

TEST(Elements, ShortRFGainAndRescaling) {
  RefPart ref = electron_GeV(0.01);
  ShortRF rf;
  rf.V = 0.5, rf.freq = 1e9, rf.phase_deg = 0.0;  // on crest: gain V m c^2
  const double gamma0 = ref.gamma();
  push_reference(rf, ref);
  EXPECT_NEAR(ref.gamma(), gamma0 + 0.5, 1e-12);
  EXPECT_NEAR(ref.pz, ref.beta_gamma(), 1e-12);
}

TEST(Elements, KickerInFieldUnitsUsesSignedRigidity) {
  RefPart e = electron_GeV(1.0);
  Kicker k;
  k.xkick = 1e-3, k.ykick = 0.0, k.field_units = true;
  const auto z = wakeline::test::apply(k.particle_map(e), {0, 0, 0, 0, 0, 0});
  EXPECT_NEAR(z[1], 1e-3 / e.rigidity_Tm(), 1e-18);
  EXPECT_LT(e.rigidity_Tm(), 0.0);  // electrons: negative rigidity, so the kick flips
}

TEST(Elements, ReferenceBendGeometry) {
  // A quarter circle of radius 2 m: the reference ends at x = -2, z = 2 moving along -x.
  RefPart ref = electron_GeV(1.0);
  auto b = thick<Sbend>(constants::pi, 4);
  b.rc = 2.0;
  for (int i = 0; i < 4; ++i) push_reference(Element{b}, ref);
  EXPECT_NEAR(ref.x, -2.0, 1e-12);
  EXPECT_NEAR(ref.z, 2.0, 1e-12);
  EXPECT_NEAR(ref.px, -ref.beta_gamma(), 1e-12);
  EXPECT_NEAR(ref.pz, 0.0, 1e-12);
  EXPECT_NEAR(ref.s, constants::pi, 1e-14);
  EXPECT_NEAR(ref.t, constants::pi / ref.beta(), 1e-12);
}
