// Linear optics: periodic solution of a FODO cell, self-consistency of the periodic solution along
// a dispersive cell, phase advance bookkeeping.
#include <gtest/gtest.h>

#include "TestSupport.hpp"
#include "tracking/Optics.hpp"

using wakeline::test::thick;

using namespace wakeline;
using namespace wakeline::elements;

namespace {
// A FODO cell with a bend in each half: stable in both planes and dispersive.
Lattice bent_fodo() {
  auto qf = thick<Quad>(0.5, 4), qd = thick<Quad>(0.5, 4);
  qf.k = 1.2, qd.k = -1.2;
  auto b = thick<Sbend>(1.0, 4);
  b.rc = 10.0;
  Lattice lat;
  lat.elements = {qf, thick<Drift>(0.3, 1), b, thick<Drift>(0.3, 1),
                  qd, thick<Drift>(0.3, 1), b, thick<Drift>(0.3, 1)};
  return lat;
}
}  // namespace

TEST(Optics, FodoPeriodicSolutionAndTune) {
  Lattice lat;
  auto qf = thick<Quad>(1.0, 25), qd = thick<Quad>(1.0, 25);
  qf.k = 1.0, qd.k = -1.0;
  lat.elements = {thick<Drift>(0.25, 25), qf, thick<Drift>(0.5, 25), qd, thick<Drift>(0.25, 25)};
  const OpticsResult o = compute_optics(lat, test::electron_GeV(2.0));
  ASSERT_TRUE(o.periodic);
  EXPECT_FALSE(o.coupled);
  EXPECT_NEAR(o.periodic_x.phase_advance * 180 / constants::pi, 67.767, 1e-3);
  EXPECT_NEAR(o.table.back().mu_x, o.periodic_x.phase_advance, 1e-12);
  EXPECT_NEAR(o.table.back().x.beta, o.periodic_x.beta, 1e-10);
  EXPECT_EQ(o.table.size(), lat.elements.size() + 1);
  EXPECT_LT(o.symplectic_error, 1e-12);
}

TEST(Optics, PeriodicDispersionReproducesItself) {
  const OpticsResult o = compute_optics(bent_fodo(), test::electron_GeV(1.0));
  ASSERT_TRUE(o.periodic);
  EXPECT_GT(o.disp_x, 0.1);  // a dispersive cell
  const OpticsPoint& end = o.table.back();
  EXPECT_NEAR(end.disp_x, o.disp_x, 1e-10);
  EXPECT_NEAR(end.disp_px, o.disp_px, 1e-10);
  EXPECT_NEAR(end.x.beta, o.periodic_x.beta, 1e-10);
  EXPECT_NEAR(end.y.alpha, o.periodic_y.alpha, 1e-10);
  EXPECT_NEAR(o.disp_y, 0.0, 1e-15);
}

TEST(Optics, UnstableLatticeUsesTheGivenTwiss) {
  Lattice lat;
  lat.elements = {thick<Drift>(2.0, 1)};
  const auto none = compute_optics(lat, test::electron_GeV(1.0));
  EXPECT_FALSE(none.periodic);
  EXPECT_TRUE(none.table.empty());
  const auto o =
      compute_optics(lat, test::electron_GeV(1.0), InitialOptics{TwissPlane{1.0, 0.0}, TwissPlane{2.0, 1.0}});
  ASSERT_EQ(o.table.size(), 2u);
  EXPECT_NEAR(o.table.back().x.beta, 1.0 + 4.0, 1e-12);  // beta(s) = beta0 + s^2/beta0 at a waist
  EXPECT_NEAR(o.table.back().mu_x, std::atan(2.0), 1e-12);
}

TEST(Optics, ManyTurnsOfPhaseAreCounted) {
  // A long constant-focusing channel: phase advance kx * L = 20 rad, i.e. more than 3 turns.
  Lattice lat;
  auto c = thick<ConstF>(10.0, 200);
  c.kx = 2.0, c.ky = 1.0, c.kt = 0.0;
  lat.elements = {c};
  const auto o =
      compute_optics(lat, test::electron_GeV(1.0), InitialOptics{TwissPlane{0.5, 0.0}, TwissPlane{1.0, 0.0}});
  EXPECT_NEAR(o.table.back().mu_x, 20.0, 1e-9);
  EXPECT_NEAR(o.table.back().mu_y, 10.0, 1e-9);
}

TEST(Optics, RolledQuadCouplesAndBeamDispersionPropagates) {
  auto q = thick<Quad>(0.5, 1);
  q.k = 1.0;
  q.alignment.rotation_deg = 10.0;
  Lattice lat;
  lat.elements = {q, thick<Drift>(1.0, 1)};
  InitialOptics start{TwissPlane{1.0, 0.0}, TwissPlane{1.0, 0.0}, 0.5, 0.1, 0.0, 0.0};
  const auto o = compute_optics(lat, test::electron_GeV(1.0), start);
  EXPECT_TRUE(o.coupled);  // the roll enters the transfer map
  EXPECT_NEAR(o.table.front().disp_x, 0.5, 1e-15);
  EXPECT_NE(o.table.back().disp_x, 0.5);
}
