// Push throughput of a linear beamline: particle-elements per second through a 50-element
// line (10 cells of drift, focusing quad, sector bend, defocusing quad, drift; one slice each),
// 10^6 particles, double precision. Run: benchmarks/run_push.sh
#include <benchmark/benchmark.h>
#include <omp.h>

#include "distribution/Distribution.hpp"
#include "tracking/Push.hpp"
#include "tracking/Simulation.hpp"

using namespace wakeline;

namespace {

Lattice fodo_line(int cells) {
  Lattice lat;
  for (int c = 0; c < cells; ++c) {
    elements::Drift d1, d2;
    d1.ds = d2.ds = 0.25;
    elements::Quad qf, qd;
    qf.ds = qd.ds = 1.0;
    qf.k = 1.0, qd.k = -1.0;
    elements::Sbend b;  // dense 6x6 map: the most expensive linear kernel
    b.ds = 0.5, b.rc = 10.0;
    lat.elements.insert(lat.elements.end(), {d1, qf, b, qd, d2});
  }
  return lat;
}

Simulation make_sim(std::size_t n) {
  Simulation sim;
  sim.ref.set_species("electron");
  sim.ref.set_kin_energy_MeV(2000.0);
  Distribution d;
  d.kind = DistributionKind::gaussian;
  d.planes = {PlaneParameters{4e-5, 2.7e-5, -0.85}, PlaneParameters{4e-5, 2.7e-5, 0.85},
              PlaneParameters{1e-3, 2e-3, 0.0}};
  sample(d, n, 1, sim.ref, 1.0, sim.beam);
  sim.lattice = fodo_line(10);
  return sim;
}

// The whole tracker (reference push, slice planning, fused particle push).
void BM_TrackLinearLine(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const auto n = static_cast<std::size_t>(state.range(0));
  Simulation sim = make_sim(n);
  const RefPart ref0 = sim.ref;
  TrackObserver quiet;
  for (auto _ : state) {
    sim.ref = ref0;
    sim.step = 0;
    track_particles(sim, quiet);
    benchmark::DoNotOptimize(sim.beam.x.data());
  }
  const auto elements = static_cast<int64_t>(sim.lattice.elements.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n) * elements);
  state.counters["ns_per_particle_element"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(n) * static_cast<double>(elements),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Baseline in the same run: one element at a time over the whole beam (no cache blocking),
// what a straightforward per-element loop costs.
void BM_ElementByElement(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const auto n = static_cast<std::size_t>(state.range(0));
  Simulation sim = make_sim(n);
  std::vector<SliceStep> steps;
  RefPart ref = sim.ref;
  for (const Element& e : sim.lattice.elements) {
    const RefPart before = ref;
    push_reference(e, ref);
    steps.push_back(SliceStep::make(e, before, ref));
  }
  for (auto _ : state) {
    for (const SliceStep& s : steps) apply_steps(sim.beam, std::span<const SliceStep>(&s, 1));
    benchmark::DoNotOptimize(sim.beam.x.data());
  }
  const auto elements = static_cast<int64_t>(steps.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n) * elements);
  state.counters["ns_per_particle_element"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(n) * static_cast<double>(elements),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_TrackLinearLine)
    ->Args({1000000, 1})
    ->Args({1000000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ElementByElement)
    ->Args({1000000, 1})
    ->Args({1000000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
