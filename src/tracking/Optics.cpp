#include "tracking/Optics.hpp"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "core/Constants.hpp"

namespace wakeline {

namespace {

// Twiss parameters after a 2x2 block m of a map, from (beta0, alpha0) at its start.
TwissPlane propagate(const TwissPlane& in, double m11, double m12, double m21, double m22) {
  const double gamma0 = (1.0 + in.alpha * in.alpha) / in.beta;
  TwissPlane out;
  out.beta = m11 * m11 * in.beta - 2.0 * m11 * m12 * in.alpha + m12 * m12 * gamma0;
  out.alpha = -m11 * m21 * in.beta + (m11 * m22 + m12 * m21) * in.alpha - m12 * m22 * gamma0;
  return out;
}

// Phase advance of a 2x2 block from (beta0, alpha0) at its start.
double phase(const TwissPlane& in, double m11, double m12) {
  return std::atan2(m12, in.beta * m11 - in.alpha * m12);
}

// Periodic dispersion of one plane: the off-momentum closed orbit, x = -D pt.
// (M - I) eta = r with r = (R16, R26); returns false if M - I is singular.
bool periodic_dispersion(const Matrix6& m, int plane, double& d, double& dp) {
  const int q = 2 * plane;
  const double a = m(q, q) - 1.0, b = m(q, q + 1), c = m(q + 1, q), e = m(q + 1, q + 1) - 1.0;
  const double det = a * e - b * c;
  if (std::fabs(det) < 1e-14) return false;
  const double r1 = m(q, 5), r2 = m(q + 1, 5);
  d = (e * r1 - b * r2) / det + 0.0;
  dp = (-c * r1 + a * r2) / det + 0.0;
  return true;
}

bool couples(const Matrix6& m) {
  double off = 0.0, on = 0.0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      off = std::fmax(off, std::fabs(m(i, 2 + j)) + std::fabs(m(2 + i, j)));
      on = std::fmax(on, std::fabs(m(i, j)) + std::fabs(m(2 + i, 2 + j)));
    }
  return off > 1e-12 * on;
}

}  // namespace

OpticsResult compute_optics(const Lattice& lattice, const RefPart& ref0,
                            std::optional<InitialOptics> initial) {
  OpticsResult out;
  out.one_period = transfer_map(lattice, ref0);
  out.symplectic_error =
      (out.one_period.transpose() * symplectic_form() * out.one_period).max_abs_diff(symplectic_form());
  out.coupled = couples(out.one_period);
  out.periodic_x = periodic_twiss(out.one_period, 0);
  out.periodic_y = periodic_twiss(out.one_period, 1);
  out.periodic = out.periodic_x.stable && out.periodic_y.stable;

  TwissPlane x0, y0;
  // Dispersion vector in the 6D phase space: (-D, -D', -Dy, -Dy', 0, 1) per unit pt.
  double v[6] = {0, 0, 0, 0, 0, 1};
  if (out.periodic) {
    x0 = {out.periodic_x.beta, out.periodic_x.alpha};
    y0 = {out.periodic_y.beta, out.periodic_y.alpha};
    if (periodic_dispersion(out.one_period, 0, out.disp_x, out.disp_px) &&
        periodic_dispersion(out.one_period, 1, out.disp_y, out.disp_py)) {
      v[0] = -out.disp_x, v[1] = -out.disp_px, v[2] = -out.disp_y, v[3] = -out.disp_py;
    }
  } else if (initial) {
    x0 = initial->x;
    y0 = initial->y;
    v[0] = -initial->disp_x, v[1] = -initial->disp_px, v[2] = -initial->disp_y, v[3] = -initial->disp_py;
  } else {
    return out;
  }

  const auto point = [&](const std::string& name, const std::string& type, const RefPart& r,
                         const Matrix6& m) {
    OpticsPoint p;
    p.name = name, p.type = type, p.s = r.s;
    p.x = propagate(x0, m(0, 0), m(0, 1), m(1, 0), m(1, 1));
    p.y = propagate(y0, m(2, 2), m(2, 3), m(3, 2), m(3, 3));
    p.mu_x = phase(x0, m(0, 0), m(0, 1));
    p.mu_y = phase(y0, m(2, 2), m(2, 3));
    double w[6] = {};
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) w[i] += m(i, j) * v[j];
    // The pt component can change in accelerating elements: D is per unit of the local pt.
    const double scale = w[5] != 0.0 ? 1.0 / w[5] : 0.0;
    // (+ 0.0 turns a negative zero into zero for the tables.)
    p.disp_x = -w[0] * scale + 0.0, p.disp_px = -w[1] * scale + 0.0;
    p.disp_y = -w[2] * scale + 0.0, p.disp_py = -w[3] * scale + 0.0;
    return p;
  };

  RefPart ref = ref0;
  Matrix6 m = Matrix6::identity();
  out.table.push_back(point("start", "", ref, m));
  // Unwrapped phase advance: atan2 jumps by 2 pi; keep the running total monotonic.
  double last_x = 0.0, last_y = 0.0, turns_x = 0.0, turns_y = 0.0;
  for (const Element& e : lattice.elements) {
    ref.sedge = ref.s;
    for (int slice = 0; slice < common(e).nslice; ++slice) {
      m = push_with_linear_map(e, ref) * m;
      // Track the phase slice by slice so that no advance over pi per step is missed.
      OpticsPoint p = point(common(e).name, type_name(e), ref, m);
      if (p.mu_x + turns_x < last_x - 1e-12) turns_x += 2.0 * constants::pi;
      if (p.mu_y + turns_y < last_y - 1e-12) turns_y += 2.0 * constants::pi;
      last_x = p.mu_x + turns_x, last_y = p.mu_y + turns_y;
    }
    OpticsPoint p = point(common(e).name, type_name(e), ref, m);
    p.mu_x = last_x, p.mu_y = last_y;
    out.table.push_back(p);
  }
  return out;
}

std::string format_optics_report(const OpticsResult& o, const RefPart& ref) {
  std::ostringstream s;
  s << std::setprecision(10);
  s << "Linear optics about the reference orbit (" << ref.kin_energy_MeV()
    << " MeV, beta*gamma = " << ref.beta_gamma() << ")\n\n";
  s << "One-period transfer map R (x, px, y, py, t, pt):\n";
  for (int i = 0; i < 6; ++i) {
    s << "  ";
    for (int j = 0; j < 6; ++j)
      s << std::setw(18) << std::scientific << std::setprecision(9) << o.one_period(i, j);
    s << '\n';
  }
  s << std::defaultfloat << std::setprecision(10);
  s << "  symplecticity |R^T J R - J| = " << o.symplectic_error << "\n\n";
  const auto plane = [&](const char* name, const PeriodicTwiss& p, double d, double dp) {
    if (!p.stable) {
      s << "  " << name << ": no stable periodic solution (|cos mu| >= 1)\n";
      return;
    }
    s << "  " << name << ": beta = " << p.beta << " m, alpha = " << p.alpha
      << ", phase advance = " << p.phase_advance * 180.0 / constants::pi << " deg, tune = " << p.tune
      << ", D = " << d << " m, D' = " << dp << '\n';
  };
  s << "Periodic solution at the start:\n";
  plane("x", o.periodic_x, o.disp_x, o.disp_px);
  plane("y", o.periodic_y, o.disp_y, o.disp_py);
  if (o.coupled) s << "  note: the map couples x and y; beta and alpha are the uncoupled-plane projections\n";
  if (!o.table.empty()) {
    const OpticsPoint& end = o.table.back();
    s << "\nAt the end (s = " << end.s << " m): beta_x = " << end.x.beta << ", beta_y = " << end.y.beta
      << ", phase advance x = " << end.mu_x / (2.0 * constants::pi)
      << " turns, y = " << end.mu_y / (2.0 * constants::pi) << " turns\n";
  }
  return s.str();
}

std::string format_optics_table(const OpticsResult& o) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(std::numeric_limits<double>::max_digits10 - 1);
  s << "s beta_x alpha_x beta_y alpha_y mu_x mu_y dispersion_x dispersion_px dispersion_y dispersion_py "
       "element type\n";
  for (const OpticsPoint& p : o.table) {
    s << p.s << ' ' << p.x.beta << ' ' << p.x.alpha << ' ' << p.y.beta << ' ' << p.y.alpha << ' ' << p.mu_x
      << ' ' << p.mu_y << ' ' << p.disp_x << ' ' << p.disp_px << ' ' << p.disp_y << ' ' << p.disp_py << ' '
      << p.name << ' ' << (p.type.empty() ? "-" : p.type) << '\n';
  }
  return s.str();
}

}  // namespace wakeline
