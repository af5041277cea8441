// Lattice transfer maps and periodic optics against ImpactX's deterministic checks
// (reference/impactx.md section 7.4).
#include <gtest/gtest.h>

#include "TestSupport.hpp"
#include "tracking/Lattice.hpp"

using wakeline::test::thick;

using namespace wakeline;
using namespace wakeline::elements;

namespace {
Lattice fodo_cell(int nslice) {
  Lattice lat;
  auto qf = thick<Quad>(1.0, nslice);
  qf.k = 1.0;
  auto qd = thick<Quad>(1.0, nslice);
  qd.k = -1.0;
  lat.elements = {thick<Drift>(0.25, nslice), qf, thick<Drift>(0.5, nslice), qd, thick<Drift>(0.25, nslice)};
  return lat;
}
}  // namespace

TEST(Lattice, TransferMapOfImpactXOpticsTest) {
  // tests/python/test_lattice_optics.py of ImpactX: 1 GeV electron, expected matrix to rtol 1e-8.
  Lattice lat;
  auto b = thick<Sbend>(1.0, 2);
  b.rc = 10.0;
  auto q = thick<Quad>(0.5, 2);
  q.k = 1.0;
  lat.elements = {b, thick<Drift>(2.0, 2), q, thick<Drift>(1.0, 2)};
  const Matrix6 m = transfer_map(lat, test::electron_GeV(1.0));
  Matrix6 e;
  const double rows[5][6] = {{0.374670546, 2.54005827, 0, 0, 0, -0.234864805},
                             {-0.476219076, -0.559489407, 0, 0, 0, 0.0320646253},
                             {0, 0, 1.64872127, 6.59488508, 0, 0},
                             {0, 0, 0.521095305, 2.69091188, 0, 0},
                             {0.0998334297, 0.0499583537, 0, 0, 1, -1.66466013e-3}};
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 6; ++j) e(i, j) = rows[i][j];
  e(5, 5) = 1.0;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) {
      EXPECT_NEAR(m(i, j), e(i, j), 1e-8 * std::fabs(e(i, j)) + 1e-9) << "R" << i + 1 << j + 1;
    }
  EXPECT_LT(test::symplectic_error(m), 1e-12);
}

TEST(Lattice, FodoPeriodicTwissAndPhaseAdvance) {
  const Matrix6 m = transfer_map(fodo_cell(25), test::electron_GeV(2.0));
  const PeriodicTwiss x = periodic_twiss(m, 0), y = periodic_twiss(m, 1);
  ASSERT_TRUE(x.stable);
  EXPECT_NEAR(x.phase_advance * 180.0 / constants::pi, 67.767, 1e-3);
  EXPECT_NEAR(x.beta, 2.8216194, 1e-6);
  EXPECT_NEAR(x.alpha, -1.5905004, 1e-6);
  EXPECT_NEAR(y.beta, 2.8216194, 1e-6);
  EXPECT_NEAR(y.alpha, 1.5905004, 1e-6);
  EXPECT_NEAR(m.R(5, 6), 1.957e-7, 1e-10);
  // Slicing does not change a linear map.
  EXPECT_LT(transfer_map(fodo_cell(1), test::electron_GeV(2.0)).max_abs_diff(m), 1e-13);
}

TEST(Lattice, ChicaneIsAchromatic) {
  // The conformance chicane: four bends with edges; after it, R16 = R26 = 0.
  const double rc = 10.3462283686195526, ds = 0.500194828041958, psi = 0.048345620280243;
  auto b1 = thick<Sbend>(ds, 1), b2 = thick<Sbend>(ds, 1);
  b1.rc = -rc, b2.rc = rc;
  DipEdge e1, e2;
  e1.psi = -psi, e1.rc = -rc, e1.g = 0, e1.K2 = 0;
  e2.psi = psi, e2.rc = rc, e2.g = 0, e2.K2 = 0;
  Lattice lat;
  lat.elements = {b1, e1, thick<Drift>(5.0058489435, 1), e2, b2, thick<Drift>(1.0, 1),
                  b2, e2, thick<Drift>(5.0058489435, 1), e1, b1};
  const Matrix6 m = transfer_map(lat, test::electron_GeV(5.0));
  EXPECT_NEAR(m.R(1, 6), 0.0, 1e-9);
  EXPECT_NEAR(m.R(2, 6), 0.0, 1e-10);
  // Higher energy (pt < 0) takes the shorter path and arrives earlier (t < 0): R56 > 0 here.
  EXPECT_GT(m.R(5, 6), 1e-3);
}
