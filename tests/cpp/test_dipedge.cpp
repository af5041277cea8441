// The nonlinear dipole-edge model (Hwang-Lee fringe map in explicit symplectic form).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <variant>

#include "TestSupport.hpp"
#include "elements/Element.hpp"

using namespace wakeline;
using namespace wakeline::elements;
using wakeline::test::symplectic_error;

namespace {

using Z = std::array<double, 6>;

RefPart proton_800MeV() {
  RefPart r;
  r.set_species("proton");
  r.set_kin_energy_MeV(800.0);
  return r;
}

DipEdge edge(bool exit) {
  DipEdge e;
  e.psi = 0.3, e.rc = 2.5, e.g = 0.06, e.nonlinear = true, e.exit = exit;
  e.K1 = 0.2, e.K4 = 0.3, e.K5 = -0.1, e.K6 = 0.05, e.R = 0.5;  // every term of the map in play
  return e;
}

DipEdgeFringeMap fringe(const DipEdge& e, const RefPart& ref) {
  return std::get<DipEdgeFringeMap>(e.particle_map(ref));
}

Z push(const DipEdgeFringeMap& m, Z z) {
  EXPECT_TRUE(m(z[0], z[1], z[2], z[3], z[4], z[5]));
  return z;
}

// Fourth-order central differences: the map is rational, so this is accurate to ~1e-12.
Matrix6 jacobian4(const DipEdgeFringeMap& m, const Z& z0, double h = 1e-4) {
  Matrix6 jac;
  for (int j = 0; j < 6; ++j) {
    Z p1 = z0, m1 = z0, p2 = z0, m2 = z0;
    p1[j] += h, m1[j] -= h, p2[j] += 2 * h, m2[j] -= 2 * h;
    const Z a = push(m, p1), b = push(m, m1), c = push(m, p2), d = push(m, m2);
    for (int i = 0; i < 6; ++i) jac(i, j) = (8 * (a[i] - b[i]) - (c[i] - d[i])) / (12 * h);
  }
  return jac;
}

}  // namespace

TEST(DipEdgeNonlinear, IsSymplecticAwayFromTheAxis) {
  const RefPart ref = proton_800MeV();
  for (bool exit : {false, true}) {
    for (bool modify : {false, true}) {
      DipEdge e = edge(exit);
      e.modify_ref_part = modify;
      const DipEdgeFringeMap m = fringe(e, ref);
      for (const Z& z : {Z{0, 0, 0, 0, 0, 0}, Z{5e-3, -2e-3, 4e-3, 1e-3, 1e-3, 3e-3},
                         Z{-1e-2, 3e-3, -8e-3, -2e-3, -2e-3, -1e-2}}) {
        EXPECT_LT(symplectic_error(jacobian4(m, z)), 1e-11) << "exit " << exit << " modify " << modify;
      }
    }
  }
}

// With K1 = K5 = 0 (the defaults) and the reference shift removed, the linear part of the map
// about the axis is Brown's edge focusing, up to terms of order (g/rc)^2.
TEST(DipEdgeNonlinear, LinearPartIsBrownsEdgeFocusing) {
  const RefPart ref = proton_800MeV();
  for (bool exit : {false, true}) {
    DipEdge e;
    e.psi = -0.25, e.rc = 3.0, e.g = 1e-3, e.K2 = 0.7, e.nonlinear = true, e.exit = exit;
    e.modify_ref_part = true;
    const Matrix6 j = jacobian4(fringe(e, ref), Z{});
    const Matrix6 brown = e.linear_map(ref);
    const double gr2 = (e.g / e.rc) * (e.g / e.rc);
    for (int r = 0; r < 6; ++r) {
      for (int c = 0; c < 6; ++c) {
        EXPECT_NEAR(j(r, c), brown(r, c), 20 * gr2 + 1e-10) << "R" << r + 1 << c + 1;
      }
    }
  }
}

// Without modify_ref_part the reference particle is shifted by -c3 = -g^2 K0 sec^2(psi)/rc
// (with the sign of the location) and kicked by c13 - c2 - c3 c5; with it, the axis maps to
// itself and the reference orbit takes the shift.
TEST(DipEdgeNonlinear, ReferenceShiftGoesToTheBeamOrToTheReference) {
  const RefPart ref = proton_800MeV();
  DipEdge e = edge(false);
  const double sec = 1 / std::cos(e.psi);
  const double c3 = e.g * e.g / e.rc * e.K0 * sec * sec;
  const Z shifted = push(fringe(e, ref), Z{});
  EXPECT_NEAR(shifted[0], -c3, 1e-15);
  EXPECT_NEAR(shifted[1], e.reference_shift(ref).dpx, 1e-15);
  EXPECT_NEAR(shifted[4], e.reference_shift(ref).dt, 1e-15);
  EXPECT_EQ(shifted[2], 0.0);
  EXPECT_EQ(shifted[3], 0.0);
  EXPECT_NEAR(push(fringe(edge(true), ref), Z{})[0], c3, 1e-15);

  e.modify_ref_part = true;
  const Z kept = push(fringe(e, ref), Z{});
  for (double v : kept) EXPECT_NEAR(v, 0.0, 1e-17);

  RefPart moved = ref;
  e.push_reference(moved);
  EXPECT_NEAR(moved.x, -c3, 1e-15);
  EXPECT_NEAR(moved.px / moved.beta_gamma(), e.reference_shift(ref).dpx, 1e-15);
  EXPECT_NEAR(std::hypot(moved.px, moved.pz), ref.beta_gamma(), 1e-14);
  EXPECT_EQ(moved.s, ref.s);
  EXPECT_EQ(moved.pt, ref.pt);

  // The linear model and the nonlinear one without modify_ref_part leave the reference alone.
  RefPart same = ref;
  edge(false).push_reference(same);
  DipEdge lin = edge(false);
  lin.nonlinear = false;
  lin.push_reference(same);
  EXPECT_EQ(same.x, ref.x);
  EXPECT_EQ(same.px, ref.px);
}

// Off-momentum particles see every 1/delta1 coefficient scaled: the map at pt equals the map
// at pt = 0 of an edge whose scaled constants are divided by delta1 (checked through the
// horizontal shift, which is c3/delta1).
TEST(DipEdgeNonlinear, ShiftScalesWithMomentum) {
  const RefPart ref = proton_800MeV();
  const DipEdge e = edge(false);
  const double beta = ref.beta(), pt = -2e-2;
  const double d1 = std::sqrt(1 - 2 * pt / beta + pt * pt);
  const Z z = push(fringe(e, ref), Z{0, 0, 0, 0, 0, pt});
  const double sec = 1 / std::cos(e.psi);
  EXPECT_NEAR(z[0], -e.g * e.g / e.rc * e.K0 * sec * sec / d1, 1e-15);
}

// (The time update, dF2/dpt, is checked by the symplecticity test: its t and pt columns.)
TEST(DipEdgeNonlinear, LinearModelIsUnchanged) {
  const RefPart ref = proton_800MeV();
  DipEdge e = edge(false);
  e.nonlinear = false;
  EXPECT_TRUE(std::holds_alternative<MatrixMap>(e.particle_map(ref)));
  const ParticleMap pm = particle_map(Element{e}, ref, ref);
  EXPECT_TRUE(std::holds_alternative<MatrixMap>(pm));
  e.nonlinear = true;
  EXPECT_TRUE(std::holds_alternative<DipEdgeFringeMap>(particle_map(Element{e}, ref, ref)));
}

// Large amplitudes where the point transformation folds over are reported as losses.
TEST(DipEdgeNonlinear, FoldedTransformationLosesTheParticle) {
  const RefPart ref = proton_800MeV();
  DipEdge e = edge(false);
  e.psi = 1.2, e.rc = 0.05;  // c10 = tan^2(psi)/(2 rc) ~ 66 /m
  const DipEdgeFringeMap m = fringe(e, ref);
  Z z = {0.02, 0, 0.02, 0, 0, 0};
  EXPECT_FALSE(m(z[0], z[1], z[2], z[3], z[4], z[5]));
}

static_assert(std::is_trivially_copyable_v<DipEdgeFringeMap>);
