// Cost of one laser envelope step (src/plasma/LaserEnvelope.hpp) on the grid of Wake-T's LWFA
// example (reference/plasma.md 1.9): n = 1e23 m^-3, a0 = 3, w0 = 50 µm, 30 fs at 0.8 µm, r <= 200 µm
// with n_r = 200, xi in [30, 120] µm with n_xi = 180, one step per field update (dz = 0.5 mm).
// Variants: vacuum and a uniform plasma column (chi = 1 for r < 120 µm), phase factoring on and off.
// items_per_second counts grid cells (n_r n_xi per step).
//   build/release/bin/bench_laser_envelope
#include <benchmark/benchmark.h>

#include <vector>

#include "core/Constants.hpp"
#include "plasma/LaserEnvelope.hpp"

using namespace wakeline;
using namespace wakeline::plasma;

namespace {

void BM_LaserEnvelopeStep(benchmark::State& state) {
  const bool plasma = state.range(0) != 0;
  const bool use_phase = state.range(1) != 0;
  const EnvelopeGrid grid{200e-6, 200, 30e-6, 120e-6, 180};
  LaserPulse pulse;
  pulse.a_0 = 3.0;
  pulse.w_0 = 50e-6;
  pulse.tau = 30e-15;
  pulse.xi_c = 100e-6;
  LaserEnvelope env(grid, pulse.l_0, 1e23, {use_phase, RadialBoundary::zero});
  env.initialize(pulse, 0.0);
  std::vector<double> chi;
  if (plasma) {
    chi.assign(static_cast<std::size_t>(grid.n_r * grid.n_xi), 0.0);
    for (int j = 0; j < grid.n_xi; ++j)
      for (int k = 0; k < grid.n_r; ++k)
        if (env.r(k) < 120e-6) chi[static_cast<std::size_t>(j * grid.n_r + k)] = 1.0;
  }
  const double dt = 0.5e-3 / constants::c;
  env.advance(dt, chi);  // the two-level first step; the loop times the centred steps
  for (auto _ : state) {
    env.advance(dt, chi);
    benchmark::DoNotOptimize(env.a_hat().data());
  }
  state.SetItemsProcessed(state.iterations() * grid.n_r * grid.n_xi);
  state.SetLabel(std::string(plasma ? "plasma" : "vacuum") + (use_phase ? ", use_phase" : ""));
}
BENCHMARK(BM_LaserEnvelopeStep)
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({1, 0})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
