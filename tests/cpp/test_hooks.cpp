// User hooks and programmable elements: the tracker's extension points for the Python API.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.hpp"
#include "distribution/Distribution.hpp"
#include "tracking/Simulation.hpp"

using wakeline::test::thick;

using namespace wakeline;
using namespace wakeline::elements;

namespace {

Simulation small_beam(std::size_t n) {
  Simulation sim;
  sim.ref = test::electron_GeV(0.1);
  Distribution d;
  d.kind = DistributionKind::gaussian;
  d.planes = {PlaneParameters{1e-3, 1e-4, 0.2}, PlaneParameters{1e-3, 1e-4, -0.2}, PlaneParameters{1e-3, 1e-3, 0}};
  sample(d, n, 3, sim.ref, 1.0, sim.beam);
  return sim;
}

// Records every hook with the tracker's state.
struct HookLog : TrackObserver {
  std::vector<std::string> events;
  bool enabled = true;
  [[nodiscard]] bool wants_hooks() const override { return enabled; }
  void before_period(Simulation& s) override { events.push_back("P" + std::to_string(s.period)); }
  void after_period(Simulation& s) override { events.push_back("p" + std::to_string(s.period)); }
  void before_element(Simulation& s) override {
    events.push_back("E" + std::to_string(s.element) + "@" + std::to_string(s.step));
  }
  void after_element(Simulation& s) override { events.push_back("e" + std::to_string(s.element)); }
  void before_slice(Simulation& /*s*/) override { events.push_back("s"); }
};

}  // namespace

TEST(Hooks, RunInOrderWithTheTrackerState) {
  Simulation sim = small_beam(10);
  sim.lattice.elements = {thick<Drift>(1.0, 2), Marker{}};
  sim.lattice.periods = 2;
  HookLog log;
  track_particles(sim, log);
  const std::vector<std::string> one = {"E0@0", "s", "s", "e0", "E1@2", "s", "e1"};
  std::vector<std::string> want = {"P0"};
  want.insert(want.end(), one.begin(), one.end());
  want.push_back("p0");
  want.push_back("P1");
  for (std::string e : one) {
    if (e[0] == 'E') e = e.substr(0, e.find('@') + 1) + std::to_string(std::stoi(e.substr(e.find('@') + 1)) + 3);
    want.push_back(e);
  }
  want.push_back("p1");
  EXPECT_EQ(log.events, want);
}

TEST(Hooks, SeeUpToDateParticlesAndMayChangeThem) {
  // A hook that kicks px before the second drift: the result is the same as a kicker there.
  struct Kick : TrackObserver {
    [[nodiscard]] bool wants_hooks() const override { return true; }
    void before_element(Simulation& s) override {
      if (s.element == 1)
        for (double& px : s.beam.px) px += 1e-4;
    }
  } kick;
  Simulation a = small_beam(50), b = small_beam(50);
  a.lattice.elements = {thick<Drift>(1.0, 3), thick<Drift>(2.0, 3)};
  Kicker k;
  k.xkick = 1e-4;
  b.lattice.elements = {thick<Drift>(1.0, 3), k, thick<Drift>(2.0, 3)};
  TrackObserver none;
  track_particles(a, kick);
  track_particles(b, none);
  for (std::size_t i = 0; i < a.beam.size(); ++i) EXPECT_DOUBLE_EQ(a.beam.x[i], b.beam.x[i]) << i;
}

TEST(Hooks, DisabledHooksAreNotCalled) {
  Simulation sim = small_beam(5);
  sim.lattice.elements = {thick<Drift>(1.0, 2)};
  HookLog log;
  log.enabled = false;
  track_particles(sim, log);
  EXPECT_TRUE(log.events.empty());
}

TEST(Programmable, PushesRunPerSliceAndCanLoseParticles) {
  Simulation sim = small_beam(100);
  Programmable p;
  p.name = "user", p.ds = 1.0, p.nslice = 4;
  int beam_calls = 0;
  p.push_ref = [](RefPart& r) { r.s += 0.25; };
  p.push_beam = [&](Particles& beam, const RefPart& ref, std::uint64_t step, int period) {
    ++beam_calls;
    EXPECT_EQ(step, static_cast<std::uint64_t>(beam_calls));
    EXPECT_EQ(period, 0);
    EXPECT_DOUBLE_EQ(ref.s, 0.25 * beam_calls);  // after its reference push
    if (beam_calls == 2)
      for (std::size_t i = 0; i < beam.size(); ++i)
        if (beam.x[i] > 0) beam.id[i] = -beam.id[i];
  };
  sim.lattice.elements = {p};
  TrackObserver none;
  track_particles(sim, none);
  EXPECT_EQ(beam_calls, 4);
  EXPECT_DOUBLE_EQ(sim.ref.s, 1.0);
  EXPECT_GT(sim.lost.size(), 0u);
  EXPECT_EQ(sim.lost.size() + sim.beam.size(), 100u);
  for (std::size_t i = 0; i < sim.lost.size(); ++i) {
    EXPECT_GT(sim.lost.id[i], 0);
    EXPECT_DOUBLE_EQ(sim.lost.s_lost[i], 0.5);
  }
}

TEST(Programmable, WithoutAReferencePushTheReferenceStays) {
  Simulation sim = small_beam(3);
  Programmable p;
  p.ds = 2.0;
  sim.lattice.elements = {p, thick<Drift>(1.0)};
  TrackObserver none;
  track_particles(sim, none);
  EXPECT_DOUBLE_EQ(sim.ref.s, 1.0);  // ImpactX's rule: only the drift moved it
}

TEST(Programmable, EnvelopeTrackingRefusesIt) {
  Simulation sim = small_beam(1);
  sim.mode = TrackMode::envelope;
  sim.envelope.sigma = Matrix6::identity();
  Programmable p;
  p.name = "user";
  sim.lattice.elements = {p};
  TrackObserver none;
  EXPECT_THROW(track(sim, none), RunError);
}
