#include "plasma/BunchPusher.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/ParallelFor.hpp"

namespace wakeline::plasma {

namespace {

using constants::c;

// u_z/gamma - 1 = (u_z - gamma)/gamma = -(1 + u_perp^2)/(gamma (gamma + u_z)): no cancellation at
// high gamma, where xi moves by ~1/(2 gamma^2) of the distance travelled.
inline double slip_rate(double ux, double uy, double uz, double gamma) {
  if (uz > 0.0) return -(1.0 + ux * ux + uy * uy) / (gamma * (gamma + uz));
  return uz / gamma - 1.0;
}

struct State {
  double x, y, xi, ux, uy, uz;
};

// d(state)/dt. F: any FieldEB(x, y, xi, t).
template <class F>
inline State derivative(const State& s, double t, double qm, const F& fields) {
  const double gamma = std::sqrt(1.0 + s.ux * s.ux + s.uy * s.uy + s.uz * s.uz);
  const FieldEB f = fields(s.x, s.y, s.xi, t);
  const double vx = c * s.ux / gamma, vy = c * s.uy / gamma, vz = c * s.uz / gamma;
  const double k = qm / c;
  return {vx,
          vy,
          c * slip_rate(s.ux, s.uy, s.uz, gamma),
          k * (f.ex + vy * f.bz - vz * f.by),
          k * (f.ey + vz * f.bx - vx * f.bz),
          k * (f.ez + vx * f.by - vy * f.bx)};
}

inline State axpy(const State& s, double h, const State& d) {
  return {s.x + h * d.x, s.y + h * d.y, s.xi + h * d.xi, s.ux + h * d.ux, s.uy + h * d.uy, s.uz + h * d.uz};
}

template <class F>
void rk4_step(LabBunch& b, std::size_t i, double t, double dt, const F& fields) {
  const State s{b.x[i], b.y[i], b.xi[i], b.ux[i], b.uy[i], b.uz[i]};
  const double qm = b.qm[i];
  const State k1 = derivative(s, t, qm, fields);
  const State k2 = derivative(axpy(s, 0.5 * dt, k1), t + 0.5 * dt, qm, fields);
  const State k3 = derivative(axpy(s, 0.5 * dt, k2), t + 0.5 * dt, qm, fields);
  const State k4 = derivative(axpy(s, dt, k3), t + dt, qm, fields);
  const double h = dt / 6.0;
  b.x[i] = s.x + h * (k1.x + 2.0 * k2.x + 2.0 * k3.x + k4.x);
  b.y[i] = s.y + h * (k1.y + 2.0 * k2.y + 2.0 * k3.y + k4.y);
  b.xi[i] = s.xi + h * (k1.xi + 2.0 * k2.xi + 2.0 * k3.xi + k4.xi);
  b.ux[i] = s.ux + h * (k1.ux + 2.0 * k2.ux + 2.0 * k3.ux + k4.ux);
  b.uy[i] = s.uy + h * (k1.uy + 2.0 * k2.uy + 2.0 * k3.uy + k4.uy);
  b.uz[i] = s.uz + h * (k1.uz + 2.0 * k2.uz + 2.0 * k3.uz + k4.uz);
}

// Wake-T's Boris push: half drift, fields at t + dt/2, Boris rotation, half drift with the new u.
template <class F>
void boris_step(LabBunch& b, std::size_t i, double t, double dt, const F& fields) {
  double x = b.x[i], y = b.y[i], xi = b.xi[i], ux = b.ux[i], uy = b.uy[i], uz = b.uz[i];
  double gamma = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
  const double hd = 0.5 * dt;
  x += hd * c * ux / gamma, y += hd * c * uy / gamma, xi += hd * c * slip_rate(ux, uy, uz, gamma);
  const FieldEB f = fields(x, y, xi, t + hd);
  const double ke = b.qm[i] * hd / c;  // q dt/(2 m c)
  ux += ke * f.ex, uy += ke * f.ey, uz += ke * f.ez;
  const double gm = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
  const double kb = ke * c / gm;
  const double tx = kb * f.bx, ty = kb * f.by, tz = kb * f.bz;
  const double sf = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz);
  const double px = ux + (uy * tz - uz * ty), py = uy + (uz * tx - ux * tz), pz = uz + (ux * ty - uy * tx);
  ux += sf * (py * tz - pz * ty), uy += sf * (pz * tx - px * tz), uz += sf * (px * ty - py * tx);
  ux += ke * f.ex, uy += ke * f.ey, uz += ke * f.ez;
  gamma = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
  x += hd * c * ux / gamma, y += hd * c * uy / gamma, xi += hd * c * slip_rate(ux, uy, uz, gamma);
  b.x[i] = x, b.y[i] = y, b.xi[i] = xi, b.ux[i] = ux, b.uy[i] = uy, b.uz[i] = uz;
}

}  // namespace

double auto_time_step(const LabBunch& b, const StageFields& fields) {
  return auto_time_step(b, fields.focusing_gradient());
}

double auto_time_step(const LabBunch& b, double kx) {
  const std::size_t n = b.size();
  if (!(kx > 0.0) || n == 0) return std::numeric_limits<double>::infinity();
  double gamma_min = std::numeric_limits<double>::infinity(), qm_max = 0.0;
  const auto count = static_cast<std::int64_t>(n);
#pragma omp parallel for reduction(min : gamma_min) reduction(max : qm_max)
  for (std::int64_t j = 0; j < count; ++j) {
    const auto i = static_cast<std::size_t>(j);
    gamma_min =
        std::min(gamma_min, std::sqrt(1.0 + b.ux[i] * b.ux[i] + b.uy[i] * b.uy[i] + b.uz[i] * b.uz[i]));
    qm_max = std::max(qm_max, std::fabs(b.qm[i]));
  }
  const double omega_x = std::sqrt(qm_max * c * kx / gamma_min);
  return 0.1 / omega_x;
}

std::size_t push_bunch(LabBunch& bunch, const StageFields& fields, double t_final,
                       const PushSettings& settings) {
  std::size_t steps = 0;
  double t = 0.0;
  LabBunch* b = &bunch;
  const StageFields* f = &fields;
  while (t < t_final) {
    double dt = settings.dt > 0.0 ? settings.dt : auto_time_step(bunch, fields);
    // Shorten the last step to land on t_final; a step within a relative 1e-12 of the end merges
    // with it rather than leaving a sliver.
    if (!(t + dt < t_final * (1.0 - 1e-12))) dt = t_final - t;
    if (settings.pusher == Pusher::rk4) {
      parallel_for(bunch.size(), [=](std::size_t i) { rk4_step(*b, i, t, dt, *f); });
    } else {
      parallel_for(bunch.size(), [=](std::size_t i) { boris_step(*b, i, t, dt, *f); });
    }
    t = (dt == t_final - t) ? t_final : t + dt;
    ++steps;
  }
  return steps;
}

std::size_t push_bunch(LabBunch& bunch, const FieldFunction& fields, double t_start, double t_end,
                       Pusher pusher, const std::function<double(const LabBunch&)>& time_step) {
  std::size_t steps = 0;
  double t = t_start;
  LabBunch* b = &bunch;
  const FieldFunction* f = &fields;
  while (t < t_end) {
    double dt = time_step(bunch);
    if (!(t + dt < t_end - 1e-12 * (t_end - t_start))) dt = t_end - t;
    if (pusher == Pusher::rk4) {
      parallel_for(bunch.size(), [=](std::size_t i) { rk4_step(*b, i, t, dt, *f); });
    } else {
      parallel_for(bunch.size(), [=](std::size_t i) { boris_step(*b, i, t, dt, *f); });
    }
    t = (dt == t_end - t) ? t_end : t + dt;
    ++steps;
  }
  return steps;
}

}  // namespace wakeline::plasma
