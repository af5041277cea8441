#include "collective/SpaceCharge.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "collective/GaussSpaceCharge.hpp"
#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "core/ParallelFor.hpp"

namespace wakeline::collective {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Calls f with the shape order as a compile-time constant.
template <class F>
void with_order(int order, F&& f) {
  switch (order) {
    case 1:
      f.template operator()<1>();
      break;
    case 2:
      f.template operator()<2>();
      break;
    default:
      f.template operator()<3>();
      break;
  }
}

// Interpolates K node arrays of a 2D mesh to (x, y) with the shape of order Order; false (and
// nothing written) where the shape leaves the mesh.
template <int Order, std::size_t K>
bool interpolate_xy(const SpaceChargeMesh& m, double x, double y, const std::array<const double*, K>& arrays,
                    std::array<double, K>& out) {
  const int nx = m.nodes[0], ny = m.nodes[1];
  const Shape<Order> sx((x - m.lo[0]) / m.h[0]), sy((y - m.lo[1]) / m.h[1]);
  if (sx.base < 0 || sy.base < 0 || sx.base + Order >= nx || sy.base + Order >= ny) return false;
  out.fill(0.0);
  for (int b = 0; b <= Order; ++b) {
    const std::size_t row = static_cast<std::size_t>(sy.base + b) * nx + sx.base;
    for (int a = 0; a <= Order; ++a) {
      const double w = sy.w[b] * sx.w[a];
      for (std::size_t k = 0; k < K; ++k) out[k] += w * arrays[k][row + a];
    }
  }
  return true;
}

}  // namespace

void to_fixed_t(Particles& beam, const RefPart& ref) {
  const double bg = ref.beta_gamma(), ptd = ref.pt;
  ParticleView v(beam);
  parallel_for(v.n, [=](std::size_t i) {
    if (v.id[i] <= 0) return;
    const double px = v.px[i] * bg, py = v.py[i] * bg, pt = v.pt[i] * bg;
    const double e = ptd + pt;  // -gamma of the particle
    const double pz = std::sqrt(e * e - 1.0 - px * px - py * py);
    const double tau = v.t[i] / e;  // (time difference) / gamma, up to sign
    v.x[i] += px * tau;
    v.y[i] += py * tau;
    v.t[i] = pz * tau;
    v.pt[i] = (pz - bg) / bg;
  });
}

void to_fixed_s(Particles& beam, const RefPart& ref) {
  const double bg = ref.beta_gamma(), ptd = ref.pt;
  ParticleView v(beam);
  parallel_for(v.n, [=](std::size_t i) {
    if (v.id[i] <= 0) return;
    const double px = v.px[i] * bg, py = v.py[i] * bg, pz = bg * (1.0 + v.pt[i]);
    const double e = -std::sqrt(1.0 + px * px + py * py + pz * pz);
    const double tau = v.t[i] / pz;
    v.x[i] -= px * tau;
    v.y[i] -= py * tau;
    v.t[i] = tau * e;
    v.pt[i] = (e - ptd) / bg;
  });
}

void SpaceChargeSolver::make_mesh(const Particles& beam, int dims) {
  std::array<double, 3> lo{}, hi{};
  if (settings_.dynamic_size) {
    const double inf = std::numeric_limits<double>::infinity();
    double mnx = inf, mny = inf, mnz = inf, mxx = -inf, mxy = -inf, mxz = -inf;
    const std::int64_t n = static_cast<std::int64_t>(beam.size());
#pragma omp parallel for reduction(min : mnx, mny, mnz) reduction(max : mxx, mxy, mxz)
    for (std::int64_t i = 0; i < n; ++i) {
      if (beam.id[i] <= 0) continue;
      mnx = std::min(mnx, beam.x[i]), mxx = std::max(mxx, beam.x[i]);
      mny = std::min(mny, beam.y[i]), mxy = std::max(mxy, beam.y[i]);
      mnz = std::min(mnz, beam.t[i]), mxz = std::max(mxz, beam.t[i]);
    }
    lo = {mnx, mny, mnz}, hi = {mxx, mxy, mxz};
    static const char* axis[3] = {"x", "y", "z"};
    for (int d = 0; d < dims; ++d) {
      const double width = hi[d] - lo[d];
      if (!(width > 0.0)) {
        throw RunError(std::string("space charge: the beam is flat in ") + axis[d] +
                       " (all particles at one position), so no mesh can span it");
      }
      const double pad = 0.5 * (settings_.prob_relative - 1.0) * width;
      lo[d] -= pad, hi[d] += pad;
    }
  } else {
    lo = settings_.prob_lo, hi = settings_.prob_hi;
  }
  const int g = SpaceChargeMesh::kGuard;
  for (int d = 0; d < 3; ++d) {
    if (d < dims) {
      mesh_.h[d] = (hi[d] - lo[d]) / settings_.n_cell[d];
      mesh_.lo[d] = lo[d] - g * mesh_.h[d];
      mesh_.nodes[d] = settings_.n_cell[d] + 1 + 2 * g;
    } else {
      mesh_.h[d] = 1.0, mesh_.lo[d] = 0.0, mesh_.nodes[d] = 1;
    }
  }
}

void SpaceChargeSolver::deposit(const Particles& beam, double charge_per_weight, int dims,
                                double charge_per_particle) {
  const auto [nx, ny, nz] = mesh_.nodes;
  const std::size_t cells = static_cast<std::size_t>(nx) * ny * nz;
  const double inv_vol = 1.0 / (mesh_.h[0] * mesh_.h[1] * (dims == 3 ? mesh_.h[2] : 1.0));
  const int threads = max_threads();
  thread_rho_.resize(static_cast<std::size_t>(threads));
  const std::int64_t n = static_cast<std::int64_t>(beam.size());
  const auto& m = mesh_;
  // The charge is accumulated in fixed point: integer sums do not depend on their order, so the
  // deposited grid, and with it the whole run, is bit-identical at any thread count. The scale
  // is set from the largest particle charge and the particle count (a max and a count are exact
  // in any order, where a floating-point sum would not be): no node can pass 2^60, and each
  // contribution is rounded to 2^-61 of that bound, far below the particle noise.
  double largest = 0.0;
  std::int64_t count = 0;
#pragma omp parallel for reduction(max : largest) reduction(+ : count)
  for (std::int64_t i = 0; i < n; ++i) {
    if (beam.id[i] <= 0) continue;
    largest = std::max(largest, std::fabs(beam.w[i] * charge_per_weight + charge_per_particle));
    ++count;
  }
  rho_.assign(cells, 0.0);
  if (!(largest > 0.0)) return;
  const double to_fixed = 0x1.0p60 / (largest * static_cast<double>(count));
  const double to_density = inv_vol / to_fixed;
  const auto fixed = [](double v) { return static_cast<std::int64_t>(v + std::copysign(0.5, v)); };
  // Each thread deposits its share of the particles into its own grid; the grids are summed.
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::int64_t>& grid = thread_rho_[static_cast<std::size_t>(omp_get_thread_num())];
    grid.assign(cells, 0);
    with_order(settings_.particle_shape, [&]<int Order>() {
#pragma omp for schedule(static)
      for (std::int64_t i = 0; i < n; ++i) {
        if (beam.id[i] <= 0) continue;
        const double q = (beam.w[i] * charge_per_weight + charge_per_particle) * to_fixed;
        const double ux = (beam.x[i] - m.lo[0]) / m.h[0], uy = (beam.y[i] - m.lo[1]) / m.h[1];
        const Shape<Order> sx(ux), sy(uy);
        if (sx.base < 0 || sy.base < 0 || sx.base + Order >= nx || sy.base + Order >= ny) continue;
        if (dims == 3) {
          const Shape<Order> sz((beam.t[i] - m.lo[2]) / m.h[2]);
          if (sz.base < 0 || sz.base + Order >= nz) continue;
          for (int c = 0; c <= Order; ++c) {
            for (int b = 0; b <= Order; ++b) {
              const double wzy = q * sz.w[c] * sy.w[b];
              std::int64_t* row =
                  &grid[(static_cast<std::size_t>(sz.base + c) * ny + sy.base + b) * nx + sx.base];
              for (int a = 0; a <= Order; ++a) row[a] += fixed(wzy * sx.w[a]);
            }
          }
        } else {
          for (int b = 0; b <= Order; ++b) {
            std::int64_t* row = &grid[static_cast<std::size_t>(sy.base + b) * nx + sx.base];
            for (int a = 0; a <= Order; ++a) row[a] += fixed(q * sy.w[b] * sx.w[a]);
          }
        }
      }
    });
  }
  const std::int64_t total = static_cast<std::int64_t>(cells);
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < total; ++c) {
    std::int64_t sum = 0;
    for (const auto& grid : thread_rho_) sum += grid[static_cast<std::size_t>(c)];
    rho_[static_cast<std::size_t>(c)] = static_cast<double>(sum) * to_density;
  }
}

void SpaceChargeSolver::solve(double z_stretch, int dims) {
  poisson_.solve(rho_, mesh_.nodes, mesh_.h, z_stretch, dims, phi_);
  // E = -grad(phi) by fourth-order central differences at the nodes. (Second-order differences
  // smooth the field like an extra kernel of variance h^2/3, which at 64 cells across a Gaussian
  // bunch costs ~0.5 % of the field; the guard nodes leave room for the wider stencil.)
  const auto [nx, ny, nz] = mesh_.nodes;
  for (auto& f : field_) f.assign(phi_.size(), 0.0);
  const std::array<std::size_t, 3> stride = {1, static_cast<std::size_t>(nx),
                                             static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny)};
  const std::int64_t planes = nz;
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < planes; ++k) {
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i) {
        const std::array<int, 3> idx = {i, j, static_cast<int>(k)};
        const std::size_t c = static_cast<std::size_t>(k) * stride[2] + j * stride[1] + i;
        for (int d = 0; d < dims; ++d) {
          const std::size_t s1 = stride[d], s2 = 2 * stride[d];
          const int at = idx[d], n_d = mesh_.nodes[d];
          if (at >= 2 && at + 2 < n_d) {
            field_[d][c] =
                -(8.0 * (phi_[c + s1] - phi_[c - s1]) - (phi_[c + s2] - phi_[c - s2])) / (12.0 * mesh_.h[d]);
          } else if (at >= 1 && at + 1 < n_d) {
            field_[d][c] = -(phi_[c + s1] - phi_[c - s1]) / (2.0 * mesh_.h[d]);
          }  // the outermost nodes: no particle's shape reaches them
        }
      }
    }
  }
}

void SpaceChargeSolver::gather_and_kick(Particles& beam, double kick_per_qm, int dims) const {
  const auto [nx, ny, nz] = mesh_.nodes;
  const std::int64_t n = static_cast<std::int64_t>(beam.size());
  const auto& m = mesh_;
  const double* ex = field_[0].data();
  const double* ey = field_[1].data();
  const double* ez = field_[2].data();
  with_order(settings_.particle_shape, [&]<int Order>() {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      if (beam.id[i] <= 0) continue;
      const double k = beam.qm[i] * kick_per_qm;
      if (dims == 2) {
        std::array<double, 2> f{};
        if (!interpolate_xy<Order>(m, beam.x[i], beam.y[i], std::array<const double*, 2>{ex, ey}, f))
          continue;
        beam.px[i] += k * f[0];
        beam.py[i] += k * f[1];
        continue;
      }
      const Shape<Order> sx((beam.x[i] - m.lo[0]) / m.h[0]), sy((beam.y[i] - m.lo[1]) / m.h[1]);
      const Shape<Order> sz((beam.t[i] - m.lo[2]) / m.h[2]);
      if (sx.base < 0 || sy.base < 0 || sz.base < 0 || sx.base + Order >= nx || sy.base + Order >= ny ||
          sz.base + Order >= nz) {
        continue;
      }
      double fx = 0.0, fy = 0.0, fz = 0.0;
      for (int c = 0; c <= Order; ++c) {
        for (int b = 0; b <= Order; ++b) {
          const std::size_t row = (static_cast<std::size_t>(sz.base + c) * ny + sy.base + b) * nx + sx.base;
          const double wzy = sz.w[c] * sy.w[b];
          for (int a = 0; a <= Order; ++a) {
            const double w = wzy * sx.w[a];
            fx += w * ex[row + a], fy += w * ey[row + a], fz += w * ez[row + a];
          }
        }
      }
      beam.px[i] += k * fx;
      beam.py[i] += k * fy;
      beam.pt[i] += k * fz;
    }
  });
}

// The beam's line density along the bunch for the 2.5D model: particles binned in t (cloud in
// cell over `bins` bins spanning [min t, max t]), converted to charge per metre along z (z = -beta
// t at fixed s), and its derivative by central differences.
struct LineDensity {
  double t0 = 0.0, dt = 1.0;            // first bin centre and bin width in t (m)
  std::vector<double> lambda, dlambda;  // C/m, and d(lambda)/dt (C/m^2)

  LineDensity(const Particles& beam, double charge_per_weight, double beta, int bins) {
    const std::int64_t n = static_cast<std::int64_t>(beam.size());
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
#pragma omp parallel for reduction(min : lo) reduction(max : hi)
    for (std::int64_t i = 0; i < n; ++i) {
      if (beam.id[i] <= 0) continue;
      lo = std::min(lo, beam.t[i]), hi = std::max(hi, beam.t[i]);
    }
    if (!(hi > lo)) throw RunError("space charge (2p5D): the bunch has no length (all particles at one t)");
    dt = (hi - lo) / (bins - 1), t0 = lo;
    std::vector<double> counts(static_cast<std::size_t>(bins), 0.0);
    // Equal shares when the weights are all zero (a deck without beam.charge): then the line
    // density has the right shape and zero magnitude, like the charge.
    for (std::int64_t i = 0; i < n; ++i) {
      if (beam.id[i] <= 0) continue;
      const double u = (beam.t[i] - t0) / dt;
      const int b = std::min(bins - 2, static_cast<int>(u));
      const double f = u - b;
      counts[static_cast<std::size_t>(b)] += (1.0 - f) * beam.w[i];
      counts[static_cast<std::size_t>(b) + 1] += f * beam.w[i];
    }
    lambda.resize(counts.size());
    // Charge per unit t, then per unit z: dQ/dz = (dQ/dt) / beta.
    for (std::size_t b = 0; b < counts.size(); ++b) lambda[b] = counts[b] * charge_per_weight / (dt * beta);
    dlambda.assign(lambda.size(), 0.0);
    for (std::size_t b = 0; b < lambda.size(); ++b) {
      const std::size_t l = b > 0 ? b - 1 : b, r = b + 1 < lambda.size() ? b + 1 : b;
      dlambda[b] = (lambda[r] - lambda[l]) / ((static_cast<double>(r) - static_cast<double>(l)) * dt);
    }
  }
  // Linear interpolation at t: (lambda, d lambda/dt).
  [[nodiscard]] std::pair<double, double> at(double t) const {
    const double u = std::clamp((t - t0) / dt, 0.0, static_cast<double>(lambda.size() - 1));
    const std::size_t b = std::min(lambda.size() - 2, static_cast<std::size_t>(u));
    const double f = u - static_cast<double>(b);
    return {(1.0 - f) * lambda[b] + f * lambda[b + 1], (1.0 - f) * dlambda[b] + f * dlambda[b + 1]};
  }
};

void SpaceChargeSolver::kick_2p5d(Particles& beam, const RefPart& ref, double kick_per_qm) {
  // The transverse potential per unit line density: deposit the normalised transverse
  // distribution (each particle its weight's share of 1 C/m) and solve in 2D.
  const double beta = ref.beta();
  double weights = 0.0;
  for (std::size_t i = 0; i < beam.size(); ++i) weights += beam.id[i] > 0 ? beam.w[i] : 0.0;
  auto t0 = Clock::now();
  make_mesh(beam, 2);
  deposit(beam, weights > 0.0 ? 1.0 / weights : 0.0, 2);
  const LineDensity line(beam, ref.charge, beta, settings_.num_longitudinal_bins);
  timings_.deposit += seconds_since(t0);
  t0 = Clock::now();
  solve(1.0, 2);
  timings_.solve += seconds_since(t0);

  // Each particle: the long-beam field of the local line density, E = lambda(z) E^(x, y), and
  // the longitudinal field of its variation, E_z = -phi^(x, y) d(lambda)/dz with dz = -beta dt.
  // Both act as q E / gamma^2 (kick_per_qm). A longitudinal momentum kick dpz/p0 changes
  // pt = -dE/(p0 c) by -beta dpz/p0.
  t0 = Clock::now();
  const std::int64_t n = static_cast<std::int64_t>(beam.size());
  const std::array<const double*, 3> arrays = {field_[0].data(), field_[1].data(), phi_.data()};
  const bool longitudinal = settings_.apply_longitudinal_kick;
  with_order(settings_.particle_shape, [&]<int Order>() {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      if (beam.id[i] <= 0) continue;
      std::array<double, 3> f{};  // E^x, E^y, phi^
      if (!interpolate_xy<Order>(mesh_, beam.x[i], beam.y[i], arrays, f)) continue;
      const auto [lambda, dlambda_dt] = line.at(beam.t[i]);
      const double k = beam.qm[i] * kick_per_qm;
      beam.px[i] += k * lambda * f[0];
      beam.py[i] += k * lambda * f[1];
      if (longitudinal) {
        const double ez = -f[2] * (-dlambda_dt / beta);  // -phi^ d(lambda)/dz
        beam.pt[i] -= beta * k * ez;
      }
    }
  });
  timings_.gather_kick += seconds_since(t0);
}

void SpaceChargeSolver::kick(Particles& beam, const RefPart& ref, double L) {
  if (settings_.model == SpaceChargeModel::off || L == 0.0) return;
  std::size_t alive = 0;
  for (std::size_t i = 0; i < beam.size() && alive < 2; ++i) alive += beam.id[i] > 0 ? 1 : 0;
  if (alive < 2) return;  // ImpactX skips space charge for fewer than two particles

  const double gamma = ref.gamma(), beta = ref.beta();
  const double c = constants::c;
  // Delta p / p0 = q E dt / (gamma^2 p0) with dt = L/(beta c) and p0 = m c beta gamma: per unit
  // q/m of the particle, L / (c^2 beta^2 gamma^3).
  const double kick_per_qm = L / (c * c * beta * beta * gamma * gamma * gamma);
  if (settings_.model == SpaceChargeModel::gauss3d || settings_.model == SpaceChargeModel::gauss2p5d) {
    const auto t0 = Clock::now();
    gauss_space_charge_kick(beam, ref, L, settings_);  // analytic fields: no mesh
    timings_.gather_kick += seconds_since(t0);
    ++timings_.steps;
    return;
  }
  if (settings_.model == SpaceChargeModel::two_p5d) {
    kick_2p5d(beam, ref, kick_per_qm);
    ++timings_.steps;
    return;
  }
  // Deposited charge per unit weight: the species charge (weights count real particles).
  double charge_per_weight = ref.charge, charge_per_particle = 0.0;
  const bool is3d = settings_.model == SpaceChargeModel::three_d;
  const int dims = is3d ? 3 : 2;
  if (!is3d) {
    // 2D: the beam stands for a long beam of current I, line density I/(beta c); each
    // particle carries its share of it per unit length: its weight's share, or an equal share
    // when the deck gives a current and no bunch charge (all weights zero).
    double weights = 0.0, count = 0.0;
    for (std::size_t i = 0; i < beam.size(); ++i) {
      weights += beam.id[i] > 0 ? beam.w[i] : 0.0;
      count += beam.id[i] > 0 ? 1.0 : 0.0;
    }
    const double line_density = std::copysign(settings_.current_A / (beta * c), ref.charge);
    if (weights > 0.0) {
      charge_per_weight = line_density / weights;
    } else {
      charge_per_weight = 0.0;
      charge_per_particle = line_density / count;
    }
  }

  auto t0 = Clock::now();
  if (is3d) to_fixed_t(beam, ref);
  timings_.transform += seconds_since(t0);

  t0 = Clock::now();
  make_mesh(beam, dims);
  deposit(beam, charge_per_weight, dims, charge_per_particle);
  timings_.deposit += seconds_since(t0);

  t0 = Clock::now();
  solve(gamma, dims);
  timings_.solve += seconds_since(t0);

  t0 = Clock::now();
  gather_and_kick(beam, kick_per_qm, dims);
  timings_.gather_kick += seconds_since(t0);

  t0 = Clock::now();
  if (is3d) to_fixed_s(beam, ref);
  timings_.transform += seconds_since(t0);
  ++timings_.steps;
}

}  // namespace wakeline::collective
