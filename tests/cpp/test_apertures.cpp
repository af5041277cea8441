// Collimators: aperture (rectangular/elliptical, transmit/absorb, periodic masks) and
// polygon_aperture, alone and in tracking.
#include <gtest/gtest.h>

#include "TestSupport.hpp"
#include "core/Random.hpp"
#include "distribution/Distribution.hpp"
#include "tracking/Simulation.hpp"

using namespace wakeline;
using namespace wakeline::elements;

namespace {
template <class Map>
bool passes(const Map& m, double x, double y) {
  double px = 0, py = 0, t = 0, pt = 0;
  return m(x, px, y, py, t, pt);
}
Aperture box(double ax, double ay) {
  Aperture a;
  a.half_x = ax, a.half_y = ay;
  return a;
}
PolygonAperture polygon(std::vector<std::pair<double, double>> v) {
  PolygonAperture p;
  v.push_back(v.front());
  for (std::size_t i = 0; i < v.size(); ++i) p.shape.vx[i] = v[i].first, p.shape.vy[i] = v[i].second;
  p.shape.n = static_cast<int>(v.size());
  return p;
}
}  // namespace

TEST(Aperture, ShapesAndActions) {
  Aperture a = box(2e-3, 1e-3);
  const auto m = a.particle_map(RefPart{});
  EXPECT_TRUE(passes(m, 1.9e-3, 0.9e-3));  // inside the rectangle's corner
  EXPECT_FALSE(passes(m, 2.1e-3, 0.0));
  EXPECT_FALSE(passes(m, 0.0, -1.1e-3));
  a.elliptical = true;
  EXPECT_FALSE(passes(a.particle_map(RefPart{}), 1.9e-3, 0.9e-3));  // outside the ellipse
  EXPECT_TRUE(passes(a.particle_map(RefPart{}), 1.4e-3, 0.7e-3));
  a.absorb = true;  // a beam stop: the opening absorbs
  EXPECT_FALSE(passes(a.particle_map(RefPart{}), 1.4e-3, 0.7e-3));
  EXPECT_TRUE(passes(a.particle_map(RefPart{}), 3e-3, 0.0));
}

TEST(Aperture, PeriodicMaskAndOddRowShift) {
  Aperture a = box(1e-4, 1e-4);  // pepper-pot: holes of 0.2 mm every 1 mm
  a.elliptical = true;
  a.mask.repeat_x = a.mask.repeat_y = 1e-3;
  const auto m = a.particle_map(RefPart{});
  EXPECT_TRUE(passes(m, 0.0, 0.0));
  EXPECT_TRUE(passes(m, 3e-3, -2e-3));   // another hole
  EXPECT_FALSE(passes(m, 0.5e-3, 0.0));  // between holes
  a.mask.shift_odd_x = true;             // hexagonal pattern: odd rows shifted by 0.5 mm
  const auto h = a.particle_map(RefPart{});
  EXPECT_TRUE(passes(h, 0.0, 0.0));
  EXPECT_FALSE(passes(h, 0.0, 1e-3));
  EXPECT_TRUE(passes(h, 0.5e-3, 1e-3));
  EXPECT_TRUE(passes(h, 2.5e-3, -1e-3));
}

TEST(PolygonAperture, SquarePolygonEqualsRectangle) {
  const PolygonAperture p = polygon({{-2e-3, -1e-3}, {2e-3, -1e-3}, {2e-3, 1e-3}, {-2e-3, 1e-3}});
  const auto pm = p.particle_map(RefPart{});
  const auto rm = box(2e-3, 1e-3).particle_map(RefPart{});
  RandomStream rng(3, 0);
  for (int i = 0; i < 2000; ++i) {
    const double x = 6e-3 * (rng.uniform() - 0.5), y = 3e-3 * (rng.uniform() - 0.5);
    ASSERT_EQ(passes(pm, x, y), passes(rm, x, y)) << x << " " << y;
  }
}

TEST(PolygonAperture, ConcaveCrossAndMinimumRadius) {
  // A plus-shaped opening, arms 1 wide and 3 long: the corners between arms are blocked.
  PolygonAperture p = polygon({{-0.5, -1.5},
                               {0.5, -1.5},
                               {0.5, -0.5},
                               {1.5, -0.5},
                               {1.5, 0.5},
                               {0.5, 0.5},
                               {0.5, 1.5},
                               {-0.5, 1.5},
                               {-0.5, 0.5},
                               {-1.5, 0.5},
                               {-1.5, -0.5},
                               {-0.5, -0.5}});
  EXPECT_TRUE(passes(p.particle_map(RefPart{}), 1.2, 0.0));
  EXPECT_TRUE(passes(p.particle_map(RefPart{}), 0.0, -1.2));
  EXPECT_FALSE(passes(p.particle_map(RefPart{}), 1.0, 1.0));
  EXPECT_FALSE(passes(p.particle_map(RefPart{}), 2.0, 0.0));
  p.shape.min_radius2 = 2.1;  // everything within r < 1.45 passes without the polygon test
  EXPECT_TRUE(passes(p.particle_map(RefPart{}), 1.0, 1.0));
  p.shape.absorb = true;
  p.shape.min_radius2 = 0.0;
  EXPECT_FALSE(passes(p.particle_map(RefPart{}), 0.0, 0.0));
  EXPECT_TRUE(passes(p.particle_map(RefPart{}), 1.0, 1.0));
}

TEST(Aperture, TrackingRecordsLossesAtTheCollimator) {
  Simulation sim;
  sim.ref = test::electron_GeV(0.5);
  Distribution d;
  d.kind = DistributionKind::gaussian;
  d.planes = {PlaneParameters{1e-3, 1e-5, 0}, PlaneParameters{1e-3, 1e-5, 0}, PlaneParameters{1e-3, 1e-3, 0}};
  sample(d, 20000, 5, sim.ref, 1.0, sim.beam);
  elements::Drift d1;
  d1.ds = 1.0;
  Aperture a = box(1e-3, 5e-4);
  a.alignment.dx = 2e-4;  // a shifted collimator
  sim.lattice.elements = {d1, a, d1};
  const Particles initial = sim.beam;
  TrackObserver none;
  track(sim, none);
  EXPECT_EQ(sim.beam.size() + sim.lost.size(), initial.size());
  for (std::size_t i = 0; i < sim.lost.size(); ++i) {
    EXPECT_EQ(sim.lost.s_lost[i], 1.0);
    const double u = (sim.lost.x[i] - 2e-4) / 1e-3, v = sim.lost.y[i] / 5e-4;
    EXPECT_TRUE(u * u > 1.0 || v * v > 1.0);
  }
  // Expected transmission of a Gaussian through the shifted box: P(|x-dx|<ax) P(|y|<ay).
  const double sx = std::sqrt(1e-6 + 1e-10), sy = sx;  // sigma at s = 1 m
  const double px = 0.5 * (std::erf((1e-3 + 2e-4) / (sx * std::sqrt(2.0))) +
                           std::erf((1e-3 - 2e-4) / (sx * std::sqrt(2.0))));
  const double py = std::erf(5e-4 / (sy * std::sqrt(2.0)));
  EXPECT_NEAR(static_cast<double>(sim.beam.size()) / initial.size(), px * py, 0.015);
}
