// The tracker: step counting, fused vs slice-by-slice pushes, losses, misalignment, periods.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "TestSupport.hpp"
#include "distribution/Distribution.hpp"
#include "tracking/Simulation.hpp"

using wakeline::test::thick;

using namespace wakeline;
using namespace wakeline::elements;

namespace {

struct Recorder : TrackObserver {
  std::vector<std::uint64_t> monitor_steps, slice_steps;
  void monitor(const BeamMonitor& /*m*/, const Simulation& sim) override {
    monitor_steps.push_back(sim.step);
  }
  void after_slice(const Simulation& sim) override { slice_steps.push_back(sim.step); }
};

Simulation beam_sim(std::size_t n, std::uint64_t seed = 11) {
  Simulation sim;
  sim.ref = test::electron_GeV(0.1);
  Distribution d;
  d.kind = DistributionKind::gaussian;
  d.planes = {PlaneParameters{1e-3, 1e-4, 0.2}, PlaneParameters{1e-3, 1e-4, -0.2},
              PlaneParameters{1e-3, 1e-3, 0}};
  sample(d, n, seed, sim.ref, 1.0, sim.beam);
  return sim;
}

Lattice fodo_with_monitors() {
  auto qf = thick<Quad>(0.5, 2), qd = thick<Quad>(0.5, 2);
  qf.k = 2.0, qd.k = -2.0;
  auto b = thick<Sbend>(0.3, 3);
  b.rc = 5.0;
  Lattice lat;
  lat.elements = {BeamMonitor{}, thick<Drift>(1.0, 3), BeamMonitor{}, qf, b, qd, BeamMonitor{}};
  return lat;
}

void expect_same_beam(const Particles& a, const Particles& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a.x[i], b.x[i]) << i;
    ASSERT_EQ(a.px[i], b.px[i]) << i;
    ASSERT_EQ(a.y[i], b.y[i]) << i;
    ASSERT_EQ(a.t[i], b.t[i]) << i;
    ASSERT_EQ(a.pt[i], b.pt[i]) << i;
  }
}

}  // namespace

TEST(Tracking, StepsCountEverySliceAndThinElement) {
  Simulation sim = beam_sim(100);
  sim.lattice = fodo_with_monitors();
  Recorder rec;
  track_particles(sim, rec);
  // monitor (1), drift (2..4), monitor (5), quad (6,7), bend (8..10), quad (11,12), monitor (13)
  EXPECT_EQ(rec.monitor_steps, (std::vector<std::uint64_t>{1, 5, 13}));
  EXPECT_EQ(sim.step, 13u);
  EXPECT_NEAR(sim.ref.s, 1.0 + 0.5 + 0.3 + 0.5, 1e-14);
}

TEST(Tracking, FusedPushEqualsSliceBySlice) {
  Simulation fused = beam_sim(5000), sliced = beam_sim(5000);
  fused.lattice = sliced.lattice = fodo_with_monitors();
  fused.lattice.periods = sliced.lattice.periods = 3;
  sliced.slice_step_diagnostics = true;  // a barrier after every slice
  Recorder r1, r2;
  track_particles(fused, r1);
  track_particles(sliced, r2);
  expect_same_beam(fused.beam, sliced.beam);
  EXPECT_EQ(r2.slice_steps.size(), 39u);
}

TEST(Tracking, PeriodsEqualRepeatedLattice) {
  Simulation periodic = beam_sim(1000), unrolled = beam_sim(1000);
  periodic.lattice = fodo_with_monitors();
  periodic.lattice.periods = 4;
  for (int p = 0; p < 4; ++p)
    for (const Element& e : periodic.lattice.elements) unrolled.lattice.elements.push_back(e);
  TrackObserver none;
  track_particles(periodic, none);
  track_particles(unrolled, none);
  expect_same_beam(periodic.beam, unrolled.beam);
  EXPECT_EQ(periodic.step, unrolled.step);
}

TEST(Tracking, TransportAgreesWithTransferMap) {
  Simulation sim = beam_sim(200);
  sim.lattice = fodo_with_monitors();
  const Matrix6 m = transfer_map(sim.lattice, sim.ref);
  const Particles before = sim.beam;
  TrackObserver none;
  track_particles(sim, none);
  for (std::size_t i = 0; i < before.size(); ++i) {
    const double z[6] = {before.x[i], before.px[i], before.y[i], before.py[i], before.t[i], before.pt[i]};
    const double got[6] = {sim.beam.x[i],  sim.beam.px[i], sim.beam.y[i],
                           sim.beam.py[i], sim.beam.t[i],  sim.beam.pt[i]};
    for (int r = 0; r < 6; ++r) {
      double expect = 0;
      for (int c = 0; c < 6; ++c) expect += m(r, c) * z[c];
      ASSERT_NEAR(got[r], expect, 1e-15 + 1e-12 * std::fabs(expect));
    }
  }
}

TEST(Tracking, ApertureLossesAreCountedOnce) {
  Simulation sim = beam_sim(20000);
  auto d = thick<Drift>(2.0, 4);
  d.aperture.aperture_x = 1.2e-3;
  d.aperture.aperture_y = 1.5e-3;
  sim.lattice.elements = {d, thick<Drift>(1.0, 1)};
  const Particles initial = sim.beam;
  TrackObserver none;
  track_particles(sim, none);
  EXPECT_EQ(sim.beam.size() + sim.lost.size(), initial.size());  // alive + lost = initial
  EXPECT_GT(sim.lost.size(), 1000u);
  const std::set<double> slice_ends = {0.5, 1.0, 1.5, 2.0};
  std::set<std::int64_t> ids;
  for (std::size_t i = 0; i < sim.lost.size(); ++i) {
    EXPECT_TRUE(slice_ends.count(sim.lost.s_lost[i])) << sim.lost.s_lost[i];
    const double u = sim.lost.x[i] / 1.2e-3, v = sim.lost.y[i] / 1.5e-3;
    EXPECT_GT(u * u + v * v, 1.0);  // lost where it was outside, coordinates kept at loss
    EXPECT_GT(sim.lost.id[i], 0);
    ids.insert(sim.lost.id[i]);
  }
  for (std::size_t i = 0; i < sim.beam.size(); ++i) {
    EXPECT_GT(sim.beam.id[i], 0);
    ids.insert(sim.beam.id[i]);
  }
  EXPECT_EQ(ids.size(), initial.size());  // every particle accounted for exactly once
}

TEST(Tracking, MisalignmentEqualsShiftingTheBeam) {
  auto q = thick<Quad>(0.4, 2);
  q.k = 3.0;
  auto shifted = q;
  shifted.alignment.dx = 2e-4;
  shifted.alignment.dy = -1e-4;
  shifted.alignment.rotation_deg = 0.0;
  Simulation a = beam_sim(500), b = beam_sim(500);
  a.lattice.elements = {shifted};
  b.lattice.elements = {q};
  for (std::size_t i = 0; i < b.beam.size(); ++i) b.beam.x[i] -= 2e-4, b.beam.y[i] += 1e-4;
  TrackObserver none;
  track_particles(a, none);
  track_particles(b, none);
  for (std::size_t i = 0; i < a.beam.size(); ++i) {
    EXPECT_NEAR(a.beam.x[i], b.beam.x[i] + 2e-4, 1e-15);
    EXPECT_NEAR(a.beam.y[i], b.beam.y[i] - 1e-4, 1e-15);
    EXPECT_NEAR(a.beam.px[i], b.beam.px[i], 1e-15);
  }
}

TEST(Tracking, RolledQuadIsASkewQuad) {
  // A quad rolled by 45 degrees couples x and y: x_out depends on y_in.
  auto q = thick<Quad>(0.3, 1);
  q.k = 2.0;
  q.alignment.rotation_deg = 45.0;
  Simulation sim = beam_sim(1);
  sim.beam.x[0] = 0, sim.beam.px[0] = 0, sim.beam.y[0] = 1e-3, sim.beam.py[0] = 0, sim.beam.t[0] = 0,
  sim.beam.pt[0] = 0;
  sim.lattice.elements = {q};
  TrackObserver none;
  track_particles(sim, none);
  // shift_in rotates (x, y) by +45 degrees (ImpactX convention), shift_out back: x_out = y (c_f - c_d)/2.
  const FocusBlock f = focus_block(2.0, 0.3), d = focus_block(-2.0, 0.3);
  EXPECT_NEAR(sim.beam.x[0], 1e-3 * 0.5 * (f.c - d.c), 1e-15);
  EXPECT_NEAR(sim.beam.y[0], 1e-3 * 0.5 * (f.c + d.c), 1e-15);
}

namespace {
// Sample mean and covariance (equal weights) of a beam.
std::pair<std::array<double, 6>, Matrix6> sample_moments(const Particles& b) {
  std::array<double, 6> mean{};
  const double n = static_cast<double>(b.size());
  auto row = [&](std::size_t i) {
    return std::array<double, 6>{b.x[i], b.px[i], b.y[i], b.py[i], b.t[i], b.pt[i]};
  };
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto z = row(i);
    for (int k = 0; k < 6; ++k) mean[k] += z[k] / n;
  }
  Matrix6 cov;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto z = row(i);
    for (int r = 0; r < 6; ++r)
      for (int c = 0; c < 6; ++c) cov(r, c) += (z[r] - mean[r]) * (z[c] - mean[c]) / n;
  }
  return {mean, cov};
}
}  // namespace

TEST(Envelope, MatchesTheParticlesThroughAMisalignedRolledLinearLattice) {
  // Affine maps transform a sample's mean and covariance exactly, so an envelope started from a
  // beam's sample moments must end at that beam's final sample moments.
  Simulation particles = beam_sim(4000);
  for (std::size_t i = 0; i < particles.beam.size(); ++i) particles.beam.x[i] += 3e-4;  // off-axis centroid
  auto qf = thick<Quad>(0.5, 3);
  qf.k = 2.0;
  qf.alignment = {1e-4, -2e-4, 20.0};  // dx, dy, roll
  auto b = thick<Sbend>(0.4, 2);
  b.rc = 3.0;
  b.alignment.rotation_deg = -5.0;
  auto s = thick<Solenoid>(0.3, 2);
  s.ks = 1.1;
  s.alignment.dx = 5e-5;
  Kicker k;
  k.xkick = 1e-4, k.ykick = -2e-4;
  particles.lattice.elements = {thick<Drift>(0.3, 2), qf, b, k, s, BeamMonitor{}, thick<Drift>(0.2, 1)};
  particles.lattice.periods = 2;

  Simulation envelope;
  envelope.mode = TrackMode::envelope;
  envelope.ref = particles.ref;
  envelope.lattice = particles.lattice;
  std::tie(envelope.envelope.centroid, envelope.envelope.sigma) = sample_moments(particles.beam);

  TrackObserver none;
  track(particles, none);
  track(envelope, none);
  const auto [mean, cov] = sample_moments(particles.beam);
  for (int r = 0; r < 6; ++r) {
    EXPECT_NEAR(envelope.envelope.centroid[r], mean[r], 1e-12) << r;
    for (int c = 0; c < 6; ++c) {
      const double scale = std::sqrt(cov(r, r) * cov(c, c));
      EXPECT_NEAR(envelope.envelope.sigma(r, c), cov(r, c), 1e-9 * scale) << r << "," << c;
    }
  }
  EXPECT_EQ(envelope.step, particles.step);
  EXPECT_DOUBLE_EQ(envelope.ref.s, particles.ref.s);
}

TEST(Envelope, ReportsTheSameCharacteristicsAsParticleMoments) {
  Simulation sim = beam_sim(3000);
  const BeamMoments from_particles = compute_moments(sim.beam, sim.ref);
  const auto [mean, cov] = sample_moments(sim.beam);
  const BeamMoments from_cov =
      moments_from_covariance(mean, cov, sim.ref.beta_gamma(), from_particles.charge_C);
  EXPECT_NEAR(from_cov.sigma_x, from_particles.sigma_x, 1e-12 * from_particles.sigma_x);
  EXPECT_NEAR(from_cov.emittance_t, from_particles.emittance_t, 1e-9 * from_particles.emittance_t);
  EXPECT_NEAR(from_cov.beta_y, from_particles.beta_y, 1e-9 * from_particles.beta_y);
  EXPECT_NEAR(from_cov.dispersion_x, from_particles.dispersion_x, 1e-9);
  EXPECT_TRUE(std::isnan(from_cov.min_x));
}

TEST(ReferenceOrbit, FollowsTheSameOrbitAsParticleTracking) {
  Simulation with_beam = beam_sim(10), alone;
  with_beam.lattice = fodo_with_monitors();
  alone.mode = TrackMode::reference_orbit;
  alone.ref = with_beam.ref;
  alone.lattice = with_beam.lattice;
  TrackObserver none;
  track(with_beam, none);
  track(alone, none);
  EXPECT_EQ(alone.ref.x, with_beam.ref.x);
  EXPECT_EQ(alone.ref.z, with_beam.ref.z);
  EXPECT_EQ(alone.ref.t, with_beam.ref.t);
  EXPECT_EQ(alone.step, with_beam.step);
}

TEST(Eigenemittances, UncoupledBeamGivesTheNormalisedProjectedEmittances) {
  Simulation sim = beam_sim(20000);
  const BeamMoments m = compute_moments(sim.beam, sim.ref);
  std::array<double, 3> projected{m.emittance_xn, m.emittance_yn, m.emittance_tn};
  std::sort(projected.begin(), projected.end());
  // Sampling correlates the planes a little; the eigen- and projected emittances agree closely.
  EXPECT_NEAR(m.emittance_1 / projected[0], 1.0, 2e-2);
  EXPECT_NEAR(m.emittance_2 / projected[1], 1.0, 2e-2);
  EXPECT_NEAR(m.emittance_3 / projected[2], 1.0, 2e-2);
  // An exactly uncoupled covariance gives them exactly.
  Matrix6 cov;
  cov(0, 0) = 4e-6, cov(0, 1) = cov(1, 0) = -1e-7, cov(1, 1) = 1e-8;
  cov(2, 2) = 1e-6, cov(3, 3) = 2e-8;
  cov(4, 4) = 1e-6, cov(5, 5) = 1e-6;
  const auto e = eigenemittances(cov, 2.0);
  const double ex = 2.0 * std::sqrt(4e-6 * 1e-8 - 1e-14), ey = 2.0 * std::sqrt(2e-14), et = 2.0 * 1e-6;
  EXPECT_NEAR(e[0], ey, 1e-9 * ey);  // ascending: ey < ex here
  EXPECT_NEAR(e[1], ex, 1e-9 * ex);
  EXPECT_NEAR(e[2], et, 1e-9 * et);
}

TEST(Eigenemittances, ConservedThroughCouplingWhereProjectedOnesChange) {
  auto s = thick<Solenoid>(0.7, 2);
  s.ks = 2.0;
  auto q = thick<Quad>(0.3, 1);
  q.k = 3.0;
  q.alignment.rotation_deg = 30.0;
  Simulation sim = beam_sim(5000);
  sim.lattice.elements = {s, thick<Drift>(0.5, 1), q};
  const BeamMoments before = compute_moments(sim.beam, sim.ref);
  TrackObserver none;
  track(sim, none);
  const BeamMoments after = compute_moments(sim.beam, sim.ref);
  EXPECT_GT(std::fabs(after.emittance_xn / before.emittance_xn - 1.0), 0.05);  // coupling changed it
  EXPECT_NEAR(after.emittance_1 / before.emittance_1, 1.0, 1e-9);
  EXPECT_NEAR(after.emittance_2 / before.emittance_2, 1.0, 1e-9);
  EXPECT_NEAR(after.emittance_3 / before.emittance_3, 1.0, 1e-9);
}
