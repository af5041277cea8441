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

// QuasiStatic2D's radial interpolation (interp_r in QuasiStatic2D.cpp) at one radius, with the cell
// search done once for the three fields and the two xi slices.
struct RadialWeights {
  enum Kind { inner, interior, outer } kind = interior;
  int k = 0;
  double w = 0.0;
  // The value of row f (one xi slice) at R, for an even field (held below the first and beyond the
  // last centre) and for an odd one (-> 0 on axis like r, ~1/r beyond the last centre).
  [[nodiscard]] double even(const double* f, int n_r) const {
    if (kind == interior) return (1 - w) * f[k] + w * f[k + 1];
    return kind == inner ? f[0] : f[n_r - 1];
  }
  [[nodiscard]] double odd(const double* f, int n_r, double dr, double R) const {
    if (kind == interior) return (1 - w) * f[k] + w * f[k + 1];
    if (kind == inner) return f[0] * R / (0.5 * dr);
    return f[n_r - 1] * ((n_r - 0.5) * dr) / R;
  }
};

// u = R/dr - 1/2 (radius in cells from the first centre) -> the weights.
inline RadialWeights radial_weights(double u, int n_r) {
  RadialWeights rw;
  if (u < 0) {
    rw.kind = RadialWeights::inner;
  } else if (!(u < n_r - 1)) {  // also a non-finite u: no index is formed from it
    rw.kind = RadialWeights::outer;
  } else {
    rw.k = static_cast<int>(u);
    rw.w = u - rw.k;
  }
  return rw;
}

// The normalised E_z, E_r, c B_theta at grid position v = (xi - xi_min)/dxi (inside [0, n_xi - 1])
// and radius R (u = R/dr - 1/2): bilinear, with (1 - g) and g between slices j and j + 1.
inline void interpolate_rz(const RZGridFields& g, double v, double R, double u, double& fz, double& fr,
                           double& ft) {
  int j = static_cast<int>(v);
  if (j >= g.n_xi - 1) j = g.n_xi - 2;
  const double gx = v - j;
  const RadialWeights rw = radial_weights(u, g.n_r);
  const std::size_t lo = static_cast<std::size_t>(j) * g.n_r, hi = lo + g.n_r;
  fz = (1 - gx) * rw.even(g.ez + lo, g.n_r) + gx * rw.even(g.ez + hi, g.n_r);
  fr = (1 - gx) * rw.odd(g.er + lo, g.n_r, g.dr, R) + gx * rw.odd(g.er + hi, g.n_r, g.dr, R);
  ft = (1 - gx) * rw.odd(g.bt + lo, g.n_r, g.dr, R) + gx * rw.odd(g.bt + hi, g.n_r, g.dr, R);
}

// The radius of the point (x, y), both in 1/k_p. Not std::hypot, a libm call that took 1/7 of the push:
// at the radii of a beam and a plasma box (k_p r ~ 1e-6..1e3) x^2 + y^2 neither overflows nor
// underflows, and the two differ by at most an ulp.
inline double radius(double xn, double yn) { return std::sqrt(xn * xn + yn * yn); }

// The state of one block of particles during a Boris step: mid-step positions and the fields there.
constexpr std::size_t kBlock = 64;
struct BlockScratch {
  alignas(64) double x[kBlock], y[kBlock], xi[kBlock];
  alignas(64) double ex[kBlock], ey[kBlock], ez[kBlock], bx[kBlock], by[kBlock], bz[kBlock];
};

// The fields at the n mid-step positions of s, at time t: any FieldEB(x, y, xi, t), point by point.
template <class F>
void gather_block(const F& fields, std::size_t n, double t, BlockScratch& s) {
  for (std::size_t i = 0; i < n; ++i) {
    const FieldEB f = fields(s.x[i], s.y[i], s.xi[i], t);
    s.ex[i] = f.ex, s.ey[i] = f.ey, s.ez[i] = f.ez, s.bx[i] = f.bx, s.by[i] = f.by, s.bz[i] = f.bz;
  }
}

// The grid coordinates of n points (m): x, y in 1/k_p, v = (xi - xi_min)/dxi, the radius R and
// u = R/dr - 1/2.
void grid_coordinates(const RZGridFields& g, std::size_t n, const double* __restrict x,
                      const double* __restrict y, const double* __restrict xi, double* __restrict xn,
                      double* __restrict yn, double* __restrict v, double* __restrict R,
                      double* __restrict u) {
  for (std::size_t i = 0; i < n; ++i) {
    xn[i] = x[i] * g.k_p;
    yn[i] = y[i] * g.k_p;
    v[i] = (xi[i] * g.k_p - g.xi_min) / g.dxi;
    R[i] = radius(xn[i], yn[i]);
    u[i] = R[i] / g.dr - 0.5;
  }
}

// The SI Cartesian fields from the normalised E_z, E_r, c B_theta at (x, y) (m; xn, yn in 1/k_p),
// radius R, and the lens field. Odd fields vanish on axis like r, so E_r x / r stays finite (and is
// exactly 0 at r = 0).
void cartesian_si(const RZGridFields& g, std::size_t n, const double* __restrict x,
                  const double* __restrict y, const double* __restrict xn, const double* __restrict yn,
                  const double* __restrict R, const double* __restrict fz, const double* __restrict fr,
                  const double* __restrict ft, double* __restrict ex, double* __restrict ey,
                  double* __restrict ez, double* __restrict bx, double* __restrict by,
                  double* __restrict bz) {
  for (std::size_t i = 0; i < n; ++i) {
    const bool off_axis = R[i] > 0;
    ez[i] = fz[i] * g.E0;
    ex[i] = off_axis ? fr[i] * xn[i] / R[i] * g.E0 : 0.0;
    ey[i] = off_axis ? fr[i] * yn[i] / R[i] * g.E0 : 0.0;
    bx[i] = (off_axis ? -ft[i] * yn[i] / R[i] * g.B0 : 0.0) + g.lens_gradient * y[i];
    by[i] = (off_axis ? ft[i] * xn[i] / R[i] * g.B0 : 0.0) - g.lens_gradient * x[i];
    bz[i] = 0.0;
  }
}

// Same as the point-by-point gather_block from an r-xi grid, with RZGridFields::operator()'s
// arithmetic, in three passes: the grid coordinates and the Cartesian projection (the divisions and
// the square root) as SIMD loops, only the cell search and the loads particle by particle.
void gather_block(const RZGridFields& g, std::size_t n, double /*t*/, BlockScratch& s) {
  alignas(64) double xn[kBlock], yn[kBlock], v[kBlock], R[kBlock], u[kBlock];
  alignas(64) double fz[kBlock], fr[kBlock], ft[kBlock];
  grid_coordinates(g, n, s.x, s.y, s.xi, xn, yn, v, R, u);
  for (std::size_t i = 0; i < n; ++i) {
    if (v[i] >= 0 && v[i] <= g.n_xi - 1) {
      interpolate_rz(g, v[i], R[i], u[i], fz[i], fr[i], ft[i]);
    } else {  // outside the box (or not a number): no field; R = 0 zeroes the transverse ones
      fz[i] = fr[i] = ft[i] = 0.0, R[i] = 0.0;
    }
  }
  cartesian_si(g, n, s.x, s.y, xn, yn, R, fz, fr, ft, s.ex, s.ey, s.ez, s.bx, s.by, s.bz);
}

// Wake-T's Boris push (half drift, fields at t + dt/2, Boris rotation, half drift with the new u) over
// a block of particles. The drifts, the kick and the rotation (divisions and square roots in one
// dependency chain per particle) run as SIMD loops over the block; the gather is gather_block's.

// Pass 1: half drift of n particles to the mid-step position.
void half_drift(std::size_t n, double hd, const double* __restrict x, const double* __restrict y,
                const double* __restrict xi, const double* __restrict ux, const double* __restrict uy,
                const double* __restrict uz, double* __restrict hx, double* __restrict hy,
                double* __restrict hxi) {
  for (std::size_t i = 0; i < n; ++i) {
    const double gamma = std::sqrt(1.0 + ux[i] * ux[i] + uy[i] * uy[i] + uz[i] * uz[i]);
    hx[i] = x[i] + hd * c * ux[i] / gamma;
    hy[i] = y[i] + hd * c * uy[i] / gamma;
    hxi[i] = xi[i] + hd * c * slip_rate(ux[i], uy[i], uz[i], gamma);
  }
}

// Pass 3: half kick, rotation, half kick, and the half drift from the mid-step position with the new u.
void kick_drift(std::size_t n, double hd, const double* __restrict qm, const double* __restrict ex,
                const double* __restrict ey, const double* __restrict ez, const double* __restrict bx,
                const double* __restrict by, const double* __restrict bz, const double* __restrict hx,
                const double* __restrict hy, const double* __restrict hxi, double* __restrict x,
                double* __restrict y, double* __restrict xi, double* __restrict uxs, double* __restrict uys,
                double* __restrict uzs) {
  for (std::size_t i = 0; i < n; ++i) {
    double ux = uxs[i], uy = uys[i], uz = uzs[i];
    const double ke = qm[i] * hd / c;  // q dt/(2 m c)
    ux += ke * ex[i], uy += ke * ey[i], uz += ke * ez[i];
    const double gm = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
    const double kb = ke * c / gm;
    const double tx = kb * bx[i], ty = kb * by[i], tz = kb * bz[i];
    const double sf = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz);
    const double px = ux + (uy * tz - uz * ty), py = uy + (uz * tx - ux * tz), pz = uz + (ux * ty - uy * tx);
    ux += sf * (py * tz - pz * ty), uy += sf * (pz * tx - px * tz), uz += sf * (px * ty - py * tx);
    ux += ke * ex[i], uy += ke * ey[i], uz += ke * ez[i];
    const double gamma = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
    x[i] = hx[i] + hd * c * ux / gamma;
    y[i] = hy[i] + hd * c * uy / gamma;
    xi[i] = hxi[i] + hd * c * slip_rate(ux, uy, uz, gamma);
    uxs[i] = ux, uys[i] = uy, uzs[i] = uz;
  }
}

// Particles [i0, i0 + n), n <= kBlock.
template <class F>
void boris_block(LabBunch& b, std::size_t i0, std::size_t n, double t, double dt, const F& fields) {
  BlockScratch s;
  const double hd = 0.5 * dt;
  half_drift(n, hd, &b.x[i0], &b.y[i0], &b.xi[i0], &b.ux[i0], &b.uy[i0], &b.uz[i0], s.x, s.y, s.xi);
  gather_block(fields, n, t + hd, s);
  kick_drift(n, hd, &b.qm[i0], s.ex, s.ey, s.ez, s.bx, s.by, s.bz, s.x, s.y, s.xi, &b.x[i0], &b.y[i0],
             &b.xi[i0], &b.ux[i0], &b.uy[i0], &b.uz[i0]);
}

// One step of the whole bunch; Boris: blocks of kBlock particles spread over the threads.
template <class F>
void step_bunch(LabBunch& bunch, Pusher pusher, double t, double dt, const F& fields) {
  LabBunch* b = &bunch;
  const F* f = &fields;
  const std::size_t n = bunch.size();
  if (pusher == Pusher::rk4) {
    parallel_for(n, [=](std::size_t i) { rk4_step(*b, i, t, dt, *f); });
  } else {
    parallel_for((n + kBlock - 1) / kBlock, [=](std::size_t k) {
      const std::size_t i0 = k * kBlock;
      boris_block(*b, i0, std::min(kBlock, n - i0), t, dt, *f);
    });
  }
}

template <class F>
std::size_t push_through(LabBunch& bunch, const F& fields, double t_start, double t_end, Pusher pusher,
                         const std::function<double(const LabBunch&)>& time_step) {
  std::size_t steps = 0;
  double t = t_start;
  while (t < t_end) {
    double dt = time_step(bunch);
    if (!(t + dt < t_end - 1e-12 * (t_end - t_start))) dt = t_end - t;
    step_bunch(bunch, pusher, t, dt, fields);
    t = (dt == t_end - t) ? t_end : t + dt;
    ++steps;
  }
  return steps;
}

}  // namespace

FieldEB RZGridFields::operator()(double x, double y, double xi, double /*t*/) const {
  FieldEB f;
  const double v = (xi * k_p - xi_min) / dxi;
  if (v >= 0 && v <= n_xi - 1) {
    const double xn = x * k_p, yn = y * k_p;
    const double R = radius(xn, yn);
    double fz, fr, ft;
    interpolate_rz(*this, v, R, R / dr - 0.5, fz, fr, ft);
    f.ez = fz * E0;
    if (R > 0) {  // odd fields vanish on axis like r, so E_r x / r stays finite (exactly 0 at r = 0)
      f.ex = fr * xn / R * E0;
      f.ey = fr * yn / R * E0;
      f.bx = -ft * yn / R * B0;
      f.by = ft * xn / R * B0;
    }
  }
  f.bx += lens_gradient * y;
  f.by -= lens_gradient * x;
  return f;
}

RZGridFields grid_fields(const QuasiStatic2D& qs, const PlasmaUnits& units) {
  RZGridFields v;
  v.ez = qs.Ez().data();
  v.er = qs.Er().data();
  v.bt = qs.Btheta().data();
  v.n_r = qs.config().n_r;
  v.n_xi = qs.config().n_xi;
  v.dr = qs.dr();
  v.dxi = qs.dxi();
  v.xi_min = qs.config().xi_min;
  v.k_p = units.k_p;
  v.E0 = units.E0;
  v.B0 = units.B0;
  return v;
}

double auto_time_step(const LabBunch& b, const StageFields& fields) {
  return auto_time_step(b, fields.focusing_gradient());
}

double auto_time_step(const LabBunch& b, double kx) {
  const std::size_t n = b.size();
  if (!(kx > 0.0) || n == 0) return std::numeric_limits<double>::infinity();
  // The smallest gamma^2, then one square root: sqrt is monotonic and correctly rounded, so this is
  // the smallest gamma exactly, without a square root per particle and step.
  double gamma2_min = std::numeric_limits<double>::infinity(), qm_max = 0.0;
  const auto count = static_cast<std::int64_t>(n);
  const double *ux = b.ux.data(), *uy = b.uy.data(), *uz = b.uz.data(), *qm = b.qm.data();
#pragma omp parallel for reduction(min : gamma2_min) reduction(max : qm_max)
  for (std::int64_t i = 0; i < count; ++i) {
    gamma2_min = std::min(gamma2_min, 1.0 + ux[i] * ux[i] + uy[i] * uy[i] + uz[i] * uz[i]);
    qm_max = std::max(qm_max, std::fabs(qm[i]));
  }
  const double omega_x = std::sqrt(qm_max * c * kx / std::sqrt(gamma2_min));
  return 0.1 / omega_x;
}

std::size_t push_bunch(LabBunch& bunch, const StageFields& fields, double t_final,
                       const PushSettings& settings) {
  std::size_t steps = 0;
  double t = 0.0;
  while (t < t_final) {
    double dt = settings.dt > 0.0 ? settings.dt : auto_time_step(bunch, fields);
    // Shorten the last step to land on t_final; a step within a relative 1e-12 of the end merges
    // with it rather than leaving a sliver.
    if (!(t + dt < t_final * (1.0 - 1e-12))) dt = t_final - t;
    step_bunch(bunch, settings.pusher, t, dt, fields);
    t = (dt == t_final - t) ? t_final : t + dt;
    ++steps;
  }
  return steps;
}

std::size_t push_bunch(LabBunch& bunch, const FieldFunction& fields, double t_start, double t_end,
                       Pusher pusher, const std::function<double(const LabBunch&)>& time_step) {
  return push_through(bunch, fields, t_start, t_end, pusher, time_step);
}

std::size_t push_bunch(LabBunch& bunch, const RZGridFields& fields, double t_start, double t_end,
                       Pusher pusher, const std::function<double(const LabBunch&)>& time_step) {
  return push_through(bunch, fields, t_start, t_end, pusher, time_step);
}

}  // namespace wakeline::plasma
