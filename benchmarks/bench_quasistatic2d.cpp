// Cost of one field update of the quasi-static r-z sheet solver (plasma/QuasiStatic2D) on the grid of
// Wake-T's documented LWFA example (reference/plasma.md 1.9): n_p = 1e23 m^-3, r_max = 200 um, plasma
// radius 120 um, xi in [30, 120] um, n_r = 200, n_xi = 180, ppc = 5 (600 sheets), and a fixed laser
// <a^2> source: a0 = 3, w0 = 50 um, tau = 30 fs (FWHM of intensity), linear polarisation, centred at
// xi = 100 um. Wake-T needs about 66 ms per update for this. Prints the best and median of `reps`
// updates for the AB5 (production) and RK4 (reference) pushers.
//   build/release/bin/bench_quasistatic2d [reps=20]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "plasma/QuasiStatic2D.hpp"

using namespace wakeline::plasma;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  const PlasmaUnits u(1e23);
  const double um = 1e-6 * u.k_p;  // one micrometre in k_p^-1
  QuasiStatic2DConfig c;
  c.r_max = 200 * um;
  c.r_max_plasma = 120 * um;
  c.xi_min = 30 * um;
  c.xi_max = 120 * um;
  c.n_r = 200;
  c.n_xi = 180;
  c.ppc = 5;
  const double a0 = 3, w0 = 50 * um, xi_c = 100 * um;
  const double L = 299792458.0 * 30e-15 / std::sqrt(2 * std::log(2.0)) * u.k_p;  // a = a0 exp(-xi^2/L^2)
  std::printf("quasi-static r-z update, n_p = 1e23 m^-3 (k_p^-1 = %.2f um), grid %d x %d, ppc %d\n",
              1e6 / u.k_p, c.n_r, c.n_xi, c.ppc);
  std::vector<double> ez_ab5;
  for (PlasmaPusher pusher : {PlasmaPusher::ab5, PlasmaPusher::rk4}) {
    c.plasma_pusher = pusher;
    QuasiStatic2D qs(c);
    std::vector<double> a2(static_cast<std::size_t>(c.n_r) * c.n_xi), da2(a2.size());
    for (int j = 0; j < c.n_xi; ++j)
      for (int k = 0; k < c.n_r; ++k) {
        const double r = qs.r(k), z = qs.xi(j) - xi_c;
        // Linear polarisation: <a^2> = |a|^2 / 2.
        a2[qs.index(j, k)] = 0.5 * a0 * a0 * std::exp(-2 * z * z / (L * L) - 2 * r * r / (w0 * w0));
        da2[qs.index(j, k)] = -4 * r / (w0 * w0) * a2[qs.index(j, k)];
      }
    // Wall time and this thread's CPU time (the latter is less sensitive to a shared, loaded machine).
    std::vector<double> t, tc;
    auto cpu = [] {
      timespec ts;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return ts.tv_sec + 1e-9 * ts.tv_nsec;
    };
    for (int i = 0; i < reps + 1; ++i) {
      const double c0 = cpu();
      const auto t0 = std::chrono::steady_clock::now();
      qs.update({}, a2, da2);
      const auto t1 = std::chrono::steady_clock::now();
      const double c1 = cpu();
      if (i > 0) {  // the first one warms the caches
        t.push_back(std::chrono::duration<double>(t1 - t0).count());
        tc.push_back(c1 - c0);
      }
    }
    std::sort(t.begin(), t.end());
    std::sort(tc.begin(), tc.end());
    double ez_max = 0;
    for (double v : qs.Ez()) ez_max = std::max(ez_max, std::abs(v));
    std::printf(
        "%s: %d sheets, wall best %.2f ms, median %.2f ms; thread CPU best %.2f ms, median %.2f ms "
        "per update (Wake-T ~66 ms / best CPU: %.1fx); max |E_z| = %.1f GV/m, %ld max_gamma resets\n",
        pusher == PlasmaPusher::ab5 ? "ab5" : "rk4", qs.n_sheets(), 1e3 * t.front(), 1e3 * t[t.size() / 2],
        1e3 * tc.front(), 1e3 * tc[tc.size() / 2], 0.066 / tc.front(), ez_max * u.E0 * 1e-9, qs.resets());
    if (pusher == PlasmaPusher::ab5) {
      ez_ab5 = qs.Ez();
    } else {
      // How far the production pusher is from the reference one on this case.
      double diff = 0;
      for (std::size_t i = 0; i < ez_ab5.size(); ++i) diff = std::max(diff, std::abs(ez_ab5[i] - qs.Ez()[i]));
      std::printf("max |E_z(ab5) - E_z(rk4)| / max |E_z| = %.2e\n", diff / ez_max);
    }
  }
  return 0;
}
