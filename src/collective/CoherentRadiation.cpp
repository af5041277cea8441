#include "collective/CoherentRadiation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::collective {

namespace {

// Particles per deposit block: each block fills its own partial profile, summed in block order.
constexpr std::size_t kBlock = 8192;

}  // namespace

double CsrWake::at(double t) const {
  if (force.empty() || h <= 0.0) return 0.0;
  const double u = (t - t0) / h;
  const auto last = static_cast<double>(force.size() - 1);
  if (!(u >= 0.0 && u <= last)) return 0.0;
  const auto j = std::min(static_cast<std::size_t>(u), force.size() - 2);
  const double f = u - static_cast<double>(j);
  return (1.0 - f) * force[j] + f * force[j + 1];
}

CsrWake csr_wake(const Particles& beam, const RefPart& ref, double R, int bins) {
  const std::size_t n = beam.size();
  const double* t = beam.t.data();
  const double* w = beam.w.data();
  const std::int64_t* id = beam.id.data();
  const auto count = static_cast<std::int64_t>(n);

  double t_min = std::numeric_limits<double>::infinity(), t_max = -t_min;
  std::int64_t alive = 0;
#pragma omp parallel for schedule(static) reduction(min : t_min) reduction(max : t_max) reduction(+ : alive)
  for (std::int64_t k = 0; k < count; ++k) {
    if (id[k] <= 0) continue;
    t_min = std::min(t_min, t[k]);
    t_max = std::max(t_max, t[k]);
    ++alive;
  }
  if (alive < 2 || !(t_max > t_min)) {
    throw RunError(
        std::string("coherent synchrotron radiation (algo.csr) needs a beam with a finite extent in t, ") +
        (alive < 2 ? "but fewer than 2 particles are left" : "but the beam is flat in t"));
  }

  const auto nodes = static_cast<std::size_t>(std::max(bins, 2));
  CsrWake wake;
  wake.t0 = t_min;
  wake.h = (t_max - t_min) / static_cast<double>(nodes - 1);
  const double inv_h = 1.0 / wake.h;

  // Cloud-in-cell deposit, block by block.
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks * nodes, 0.0);
  const auto nblocks = static_cast<std::int64_t>(blocks);
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < nblocks; ++b) {
    double* rho = partial.data() + static_cast<std::size_t>(b) * nodes;
    const std::size_t end = std::min(n, static_cast<std::size_t>(b + 1) * kBlock);
    for (std::size_t i = static_cast<std::size_t>(b) * kBlock; i < end; ++i) {
      if (id[i] <= 0) continue;
      const double u = (t[i] - t_min) * inv_h;
      const std::size_t j = std::min(static_cast<std::size_t>(u), nodes - 2);
      const double f = u - static_cast<double>(j);
      rho[j] += (1.0 - f) * w[i];
      rho[j + 1] += f * w[i];
    }
  }
  wake.line_density.assign(nodes, 0.0);
  for (std::size_t j = 0; j < nodes; ++j) {
    double sum = 0.0;
    for (std::size_t b = 0; b < blocks; ++b) sum += partial[b * nodes + j];
    wake.line_density[j] = sum * inv_h;
  }

  // dlambda/dt at the nodes; the profile is zero beyond the end nodes.
  const std::vector<double>& lam = wake.line_density;
  std::vector<double> slope(nodes);
  for (std::size_t j = 0; j < nodes; ++j) {
    const double ahead = j > 0 ? lam[j - 1] : 0.0, behind = j + 1 < nodes ? lam[j + 1] : 0.0;
    slope[j] = (behind - ahead) * (0.5 * inv_h);
  }

  // The kernel (t' - t)^(-1/3) integrated over the cell of each source node k nodes behind.
  std::vector<double> kernel(nodes);
  const double h23 = std::cbrt(wake.h * wake.h);
  kernel[0] = 1.5 * h23 * std::cbrt(0.25);
  for (std::size_t k = 1; k < nodes; ++k) {
    const double kk = static_cast<double>(k);
    kernel[k] = 1.5 * h23 * (std::cbrt((kk + 0.5) * (kk + 0.5)) - std::cbrt((kk - 0.5) * (kk - 0.5)));
  }

  using namespace constants;
  const double amplitude =
      2.0 * ref.charge * ref.charge / (4.0 * pi * epsilon0 * std::cbrt(3.0) * std::cbrt(R * R));
  wake.force.assign(nodes, 0.0);
  for (std::size_t i = 0; i < nodes; ++i) {
    double sum = 0.0;
    for (std::size_t k = 0; i + k < nodes; ++k) sum += kernel[k] * slope[i + k];
    wake.force[i] = amplitude * sum;
  }
  return wake;
}

CsrWake csr_kick(Particles& beam, const RefPart& ref, double L, double rc, int bins) {
  CsrWake wake = csr_wake(beam, ref, std::fabs(rc), bins);
  // Delta E = F L, and pt = -Delta E/(p0 c).
  const double per_force = L / (ref.mass * constants::c * constants::c * ref.beta_gamma());
  ParticleView p(beam);
  const auto count = static_cast<std::int64_t>(p.n);
  const CsrWake* wk = &wake;
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < count; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (p.id[i] <= 0) continue;
    p.pt[i] -= per_force * wk->at(p.t[i]);
  }
  return wake;
}

}  // namespace wakeline::collective
