// Cost of the lab-frame push of a plasma stage's witness through a quasi-static wake (plasma/BunchPusher):
// the deck examples/lwfa_stage/lwfa.in's grid (n_p = 1e23 m^-3, r_max = 200 um, plasma radius 120 um,
// xi in [-15, 75] um, n_r = 200, n_xi = 180, ppc = 5, a0 = 3 laser source 55 um ahead of the witness)
// and witness (1e4 electrons, beta*gamma = 200, sigma_r ~ 1.3 um, 3 um rms long). One wake update, then
// the bunch is pushed over one update interval (0.5 mm) with the automatic time step, as the stage does,
// (a) gathering in place from the grid (RZGridFields) and (b) through a FieldFunction that calls
// QuasiStatic2D::gather_si per particle and step. Prints the best and median thread CPU time per push and
// per particle-step, on `threads` OpenMP threads (thread CPU time is only meaningful on one: with more,
// it includes the main thread's waits at the barrier).
//   build/release/bin/bench_stage_push [reps=20] [threads=1]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

#include "core/Constants.hpp"
#include "core/ParallelFor.hpp"
#include "plasma/BunchPusher.hpp"
#include "plasma/QuasiStatic2D.hpp"

using namespace wakeline::plasma;
using wakeline::constants::c;

namespace {

double cpu_seconds() {  // this thread's CPU time: less sensitive to a shared, loaded machine than wall time
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  wakeline::set_threads(argc > 2 ? std::atoi(argv[2]) : 1);
  const PlasmaUnits u(1e23);
  const double um = 1e-6 * u.k_p;  // one micrometre in k_p^-1
  QuasiStatic2DConfig cfg;
  cfg.r_max = 200 * um, cfg.r_max_plasma = 120 * um;
  cfg.xi_min = -15 * um, cfg.xi_max = 75 * um;
  cfg.n_r = 200, cfg.n_xi = 180, cfg.ppc = 5;
  QuasiStatic2D qs(cfg);
  const double a0 = 3, w0 = 50 * um, xi_c = 55 * um;
  const double L = c * 30e-15 / std::sqrt(2 * std::log(2.0)) * u.k_p;
  std::vector<double> a2(static_cast<std::size_t>(cfg.n_r) * cfg.n_xi), da2(a2.size());
  for (int j = 0; j < cfg.n_xi; ++j)
    for (int k = 0; k < cfg.n_r; ++k) {
      const double r = qs.r(k), z = qs.xi(j) - xi_c;
      a2[qs.index(j, k)] = 0.5 * a0 * a0 * std::exp(-2 * z * z / (L * L) - 2 * r * r / (w0 * w0));
      da2[qs.index(j, k)] = -4 * r / (w0 * w0) * a2[qs.index(j, k)];
    }
  qs.update({}, a2, da2);

  const std::size_t n = 10000;
  LabBunch start;
  start.resize(n);
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g;
  const double qm = -wakeline::constants::q_e / wakeline::constants::m_e;
  for (std::size_t i = 0; i < n; ++i) {
    start.x[i] = 1.3e-6 * g(rng), start.y[i] = 1.3e-6 * g(rng), start.xi[i] = 3e-6 * g(rng);
    start.ux[i] = 0.5 * g(rng), start.uy[i] = 0.5 * g(rng), start.uz[i] = 200 * (1 + 0.003 * g(rng));
    start.qm[i] = qm;
  }
  // The stage's focusing gradient: |W_r|/r in the first radial cell of every slice, T/m.
  double kx = 0;
  for (int j = 0; j < cfg.n_xi; ++j) kx = std::max(kx, std::fabs(qs.Wr()[qs.index(j, 0)]) / qs.r(0));
  kx *= u.E0 * u.k_p / c;
  const auto step = [kx](const LabBunch& b) { return auto_time_step(b, kx); };
  const double t_end = 0.5e-3 / c;

  const FieldFunction through_gather = [&](double x, double y, double xi, double) {
    const WakeFields w = qs.gather_si(x, y, xi, u);
    return FieldEB{w.Ex, w.Ey, w.Ez, w.Bx, w.By, 0.0};
  };
  const RZGridFields grid = grid_fields(qs, u);
  for (const bool in_place : {true, false}) {
    std::vector<double> t;
    std::size_t steps = 0;
    for (int r = 0; r < reps + 1; ++r) {
      LabBunch b = start;
      const double t0 = cpu_seconds();
      steps = in_place ? push_bunch(b, grid, 0.0, t_end, Pusher::boris, step)
                       : push_bunch(b, through_gather, 0.0, t_end, Pusher::boris, step);
      if (r > 0) t.push_back(cpu_seconds() - t0);  // the first one warms the caches
    }
    std::sort(t.begin(), t.end());
    const double per = 1e9 / (static_cast<double>(steps) * static_cast<double>(n));
    std::printf(
        "%-34s %zu steps: thread CPU best %.2f ms, median %.2f ms per 0.5 mm (%.1f / %.1f ns per "
        "particle-step)\n",
        in_place ? "grid view (RZGridFields):" : "FieldFunction around gather_si:", steps, 1e3 * t.front(),
        1e3 * t[t.size() / 2], t.front() * per, t[t.size() / 2] * per);
  }
  return 0;
}
