#pragma once
// ImpactX's ExactCFbend: combined-function sector bend with the exact Hamiltonian, integrated
// symplectically with the splitting H = H1 + H2: H1 the exact sector bend of the dipole
// (curvature k_normal[0]), H2 the vector potential of the curvilinear multipoles k_normal[1..4],
// k_skew[1..4] (quadrupole .. decapole; T. Zolkin, PRAB 20, 043501 (2017), Table XI).
#include <algorithm>
#include <cmath>
#include <vector>

#include "elements/CFbend.hpp"
#include "elements/ElementCommon.hpp"
#include "elements/ExactSbend.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

namespace bends {

// Kicks per unit (dimensionless, rc^(n-1) k) strength of the curvilinear multipoles of order
// n = 2..5 (quadrupole .. decapole), from the vector potential of Zolkin's Table XI, as functions
// of u = x/rc and v = y/rc: dpx = kn px_n + ks px_s, dpy = kn py_n + ks py_s.
struct MultipoleKick {
  double px_n = 0.0, px_s = 0.0, py_n = 0.0, py_s = 0.0;
};

// |u| below which the kicks are evaluated in the form that keeps full precision.
inline constexpr double kNearAxis = 0.1;

// Closed form (ImpactX's), lr = log(1 + u). Near the axis its terms cancel to O(u^(n-1)) and
// lose about (n-1) log10(1/|u|) digits, so curvilinear_kick_near is used for |u| < kNearAxis.
// ImpactX's skew decapole has the opposite sign in px (not a gradient, and not MAD-X's skew
// decapole in the straight limit); here it is corrected.
WL_HOST_DEVICE WL_FORCE_INLINE MultipoleKick curvilinear_kick_far(int n, double u, double v, double lr) {
  const double rho = 1.0 + u, r2 = rho * rho, v2 = v * v;
  MultipoleKick f;
  switch (n) {
    case 2:
      f.px_n = -rho * lr, f.px_s = v * rho;
      f.py_n = v, f.py_s = 0.5 * (r2 - 1.0);
      break;
    case 3:
      f.px_n = 0.25 * rho * (1.0 + 2.0 * v2 - r2 + 2.0 * lr), f.px_s = v * rho * lr;
      f.py_n = 0.5 * v * (r2 - 1.0), f.py_s = 0.25 * (1.0 - 2.0 * v2 - r2 + 2.0 * r2 * lr);
      break;
    case 4:
      f.px_n = -0.25 * (rho - r2 * rho + (rho - 2.0 * v2 * rho + r2 * rho) * lr);
      f.px_s = -v * rho * (3.0 + 2.0 * v2 - 3.0 * r2 + 6.0 * lr) / 12.0;
      f.py_n = -v * (-3.0 + 2.0 * v2 + 3.0 * r2 - 6.0 * r2 * lr) / 12.0;
      f.py_s = -((-1.0 + 4.0 * v2 - r2) * (r2 - 1.0) + 4.0 * r2 * lr) / 16.0;
      break;
    case 5:
      f.px_n = -rho *
               (8.0 * v2 * v2 - 24.0 * v2 * (r2 - 1.0) + 3.0 * (-5.0 + 4.0 * r2 + r2 * r2) +
                12.0 * (-1.0 + 4.0 * v2 - 2.0 * r2) * lr) /
               192.0;
      f.px_s = -v * rho * (3.0 * (r2 - 1.0) + (2.0 * v2 - 3.0 * (1.0 + r2)) * lr) / 12.0;
      f.py_n = -v * ((r2 - 1.0) * (4.0 * v2 - 3.0 * (1.0 + r2)) + 12.0 * r2 * lr) / 48.0;
      f.py_s = (3.0 + 8.0 * v2 * v2 + 12.0 * r2 - 15.0 * r2 * r2 + 24.0 * v2 * (r2 - 1.0) +
                12.0 * r2 * (2.0 - 4.0 * v2 + r2) * lr) /
               192.0;
      break;
    default:
      break;
  }
  return f;
}

// R = log(1 + u) - (u - u^2/2 + ... - u^6/6) = u^7/7 - u^8/8 + ..., accurate for |u| < kNearAxis.
WL_HOST_DEVICE WL_FORCE_INLINE double log1p_remainder6(double u) {
  double acc = 0.0;
  for (int j = 24; j >= 7; --j) acc = (j % 2 == 1 ? 1.0 : -1.0) / j + u * acc;
  const double u2 = u * u;
  return u * u2 * u2 * u2 * acc;
}

// The same functions with log(1 + u) split as its degree-6 Taylor polynomial plus R: the
// polynomial parts then cancel exactly (coefficients generated with computer algebra), so the
// kicks keep full relative precision near the axis.
WL_HOST_DEVICE WL_FORCE_INLINE MultipoleKick curvilinear_kick_near(int n, double u, double v, double R) {
  const double u2 = u * u, u3 = u2 * u, u4 = u2 * u2;
  const double v2 = v * v, v3 = v2 * v, v4 = v2 * v2;
  MultipoleKick f;
  switch (n) {
    case 2:
      f.px_n = (u * (-1.0 + u * ((-1.0 / 2.0) +
                                 u * ((1.0 / 6.0) +
                                      u * ((-1.0 / 12.0) +
                                           u * ((1.0 / 20.0) + u * ((-1.0 / 30.0) + u * ((1.0 / 6.0))))))))) +
               R * (-1.0 + u * (-1.0));
      f.px_s = v * (1.0 + u * (1.0));
      f.py_n = v * (1.0);
      f.py_s = (u * (1.0 + u * ((1.0 / 2.0))));
      break;
    case 3:
      f.px_n =
          (u2 * ((-1.0 / 2.0) +
                 u * ((-1.0 / 3.0) +
                      u * ((1.0 / 24.0) + u * ((-1.0 / 40.0) + u * ((1.0 / 60.0) + u * ((-1.0 / 12.0)))))))) +
          R * ((1.0 / 2.0) + u * ((1.0 / 2.0))) + v2 * ((1.0 / 2.0) + u * ((1.0 / 2.0)));
      f.px_s =
          v * (u * (1.0 + u * ((1.0 / 2.0) +
                               u * ((-1.0 / 6.0) +
                                    u * ((1.0 / 12.0) +
                                         u * ((-1.0 / 20.0) + u * ((1.0 / 30.0) + u * ((-1.0 / 6.0))))))))) +
          v * R * (1.0 + u * (1.0));
      f.py_n = v * (u * (1.0 + u * ((1.0 / 2.0))));
      f.py_s = (u2 * ((1.0 / 2.0) +
                      u * ((1.0 / 6.0) +
                           u * ((-1.0 / 24.0) +
                                u * ((1.0 / 60.0) +
                                     u * ((-1.0 / 120.0) + u * ((-1.0 / 15.0) + u * ((-1.0 / 12.0))))))))) +
               R * ((1.0 / 2.0) + u * (1.0 + u * ((1.0 / 2.0)))) + v2 * ((-1.0 / 2.0));
      break;
    case 4:
      f.px_n =
          (u3 *
           ((-1.0 / 6.0) +
            u * ((-1.0 / 12.0) +
                 u * ((1.0 / 40.0) + u * ((-1.0 / 80.0) + u * ((19.0 / 240.0) +
                                                               u * ((3.0 / 40.0) + u * ((1.0 / 24.0))))))))) +
          R * ((-1.0 / 2.0) + u * (-1.0 + u * ((-3.0 / 4.0) + u * ((-1.0 / 4.0))))) +
          v2 * (u * ((1.0 / 2.0) +
                     u * ((1.0 / 4.0) +
                          u * ((-1.0 / 12.0) +
                               u * ((1.0 / 24.0) +
                                    u * ((-1.0 / 40.0) + u * ((1.0 / 60.0) + u * ((-1.0 / 12.0))))))))) +
          v2 * R * ((1.0 / 2.0) + u * ((1.0 / 2.0)));
      f.px_s =
          v * (u2 *
               ((1.0 / 2.0) +
                u * ((1.0 / 3.0) +
                     u * ((-1.0 / 24.0) + u * ((1.0 / 40.0) + u * ((-1.0 / 60.0) + u * ((1.0 / 12.0)))))))) +
          v * R * ((-1.0 / 2.0) + u * ((-1.0 / 2.0))) + v3 * ((-1.0 / 6.0) + u * ((-1.0 / 6.0)));
      f.py_n = v * (u2 * ((1.0 / 2.0) +
                          u * ((1.0 / 6.0) +
                               u * ((-1.0 / 24.0) +
                                    u * ((1.0 / 60.0) + u * ((-1.0 / 120.0) +
                                                             u * ((-1.0 / 15.0) + u * ((-1.0 / 12.0))))))))) +
               v * R * ((1.0 / 2.0) + u * (1.0 + u * ((1.0 / 2.0)))) + v3 * ((-1.0 / 6.0));
      f.py_s =
          (u3 * ((1.0 / 6.0) +
                 u * ((1.0 / 12.0) + u * ((-1.0 / 120.0) +
                                          u * ((1.0 / 240.0) + u * ((1.0 / 30.0) + u * ((1.0 / 24.0)))))))) +
          R * ((-1.0 / 4.0) + u * ((-1.0 / 2.0) + u * ((-1.0 / 4.0)))) +
          v2 * (u * ((-1.0 / 2.0) + u * ((-1.0 / 4.0))));
      break;
    case 5:
      f.px_n =
          (u4 *
           ((-1.0 / 24.0) +
            u * ((-1.0 / 40.0) +
                 u * ((1.0 / 240.0) + u * ((-7.0 / 240.0) + u * ((-3.0 / 80.0) + u * ((-1.0 / 48.0)))))))) +
          R * ((3.0 / 16.0) + u * ((7.0 / 16.0) + u * ((3.0 / 8.0) + u * ((1.0 / 8.0))))) +
          v2 * (u2 *
                ((1.0 / 4.0) +
                 u * ((1.0 / 6.0) + u * ((-1.0 / 48.0) +
                                         u * ((1.0 / 80.0) + u * ((-1.0 / 120.0) + u * ((1.0 / 24.0)))))))) +
          v2 * R * ((-1.0 / 4.0) + u * ((-1.0 / 4.0))) + v4 * ((-1.0 / 24.0) + u * ((-1.0 / 24.0)));
      f.px_s =
          v * (u3 * ((1.0 / 6.0) +
                     u * ((1.0 / 12.0) +
                          u * ((-1.0 / 40.0) +
                               u * ((1.0 / 80.0) +
                                    u * ((-19.0 / 240.0) + u * ((-3.0 / 40.0) + u * ((-1.0 / 24.0))))))))) +
          v * R * ((1.0 / 2.0) + u * (1.0 + u * ((3.0 / 4.0) + u * ((1.0 / 4.0))))) +
          v3 * (u * ((-1.0 / 6.0) +
                     u * ((-1.0 / 12.0) +
                          u * ((1.0 / 36.0) +
                               u * ((-1.0 / 72.0) +
                                    u * ((1.0 / 120.0) + u * ((-1.0 / 180.0) + u * ((1.0 / 36.0))))))))) +
          v3 * R * ((-1.0 / 6.0) + u * ((-1.0 / 6.0)));
      f.py_n =
          v * (u3 *
               ((1.0 / 6.0) +
                u * ((1.0 / 12.0) +
                     u * ((-1.0 / 120.0) + u * ((1.0 / 240.0) + u * ((1.0 / 30.0) + u * ((1.0 / 24.0)))))))) +
          v * R * ((-1.0 / 4.0) + u * ((-1.0 / 2.0) + u * ((-1.0 / 4.0)))) +
          v3 * (u * ((-1.0 / 6.0) + u * ((-1.0 / 12.0))));
      f.py_s = (u4 * ((1.0 / 24.0) +
                      u * ((1.0 / 60.0) +
                           u * ((-1.0 / 240.0) +
                                u * ((-1.0 / 40.0) +
                                     u * ((-47.0 / 960.0) + u * ((-7.0 / 240.0) + u * ((-1.0 / 96.0))))))))) +
               R * ((3.0 / 16.0) +
                    u * ((1.0 / 2.0) + u * ((1.0 / 2.0) + u * ((1.0 / 4.0) + u * ((1.0 / 16.0)))))) +
               v2 * (u2 * ((-1.0 / 4.0) +
                           u * ((-1.0 / 12.0) +
                                u * ((1.0 / 48.0) +
                                     u * ((-1.0 / 120.0) +
                                          u * ((1.0 / 240.0) + u * ((1.0 / 30.0) + u * ((1.0 / 24.0))))))))) +
               v2 * R * ((-1.0 / 4.0) + u * ((-1.0 / 2.0) + u * ((-1.0 / 4.0)))) + v4 * ((1.0 / 24.0));
      break;
    default:
      break;
  }
  return f;
}

}  // namespace bends

struct ExactCFbendMap {
  static constexpr int kMaxCoefficients = 5;  // dipole .. decapole
  static constexpr int kMaxStages = 4;        // distinct bend sub-steps of the 6th-order scheme

  // Multipole strengths of orders 2..5 (index 1..4), in 1/m^n. With a dipole (rc != 0) they are
  // multiplied by rc^m (dimensionless curvilinear form); without one they are the straight
  // MAD-X strengths.
  double kn[kMaxCoefficients];
  double ks[kMaxCoefficients];
  int ncoef;
  double rc;  // 0: no dipole field, H1 is an exact drift
  double ibeta, ibetagam2;
  // One integration step is the palindrome A0 B0 A1 B1 .. A(n-1) B(n-1) A(n-1) B(n-2) .. B0 A0,
  // with A the bend (or drift) over a[i] and B the multipole kick over b[i].
  int nstages, nsteps;
  double a[kMaxStages], sin_a[kMaxStages], cos_a[kMaxStages], b[kMaxStages];

  WL_HOST_DEVICE WL_FORCE_INLINE bool bend(int i, double& x, double& px, double& y, double py, double& t,
                                           double pt) const {
    if (rc == 0.0) return bends::exact_drift_step(a[i], ibeta, ibetagam2, x, px, y, py, t, pt);
    return bends::exact_bend_step(rc, a[i] / rc, sin_a[i], cos_a[i], ibeta, x, px, y, py, t, pt);
  }

  // The kick of H2 over tau. Returns false for x <= -rc (the curvilinear potential has log rho).
  WL_HOST_DEVICE WL_FORCE_INLINE bool kick(double tau, double x, double& px, double y, double& py) const {
    double dpx = 0.0, dpy = 0.0;
    if (rc == 0.0) {
      // Straight multipoles: dpx - i dpy = -(kn + i ks) (x + i y)^m / m!
      double zr = 1.0, zi = 0.0, fact = 1.0;
      for (int m = 1; m < ncoef; ++m) {
        const double r = zr * x - zi * y;
        zi = zr * y + zi * x, zr = r;
        fact *= m;
        dpx -= (kn[m] * zr - ks[m] * zi) / fact;
        dpy += (kn[m] * zi + ks[m] * zr) / fact;
      }
    } else {
      const double u = x / rc, v = y / rc;
      if (!(u > -1.0)) return false;
      const bool near = std::fabs(u) < bends::kNearAxis;
      const double log_term = near ? bends::log1p_remainder6(u) : std::log1p(u);
      for (int m = 1; m < ncoef; ++m) {
        if (kn[m] == 0.0 && ks[m] == 0.0) continue;
        const bends::MultipoleKick f = near ? bends::curvilinear_kick_near(m + 1, u, v, log_term)
                                            : bends::curvilinear_kick_far(m + 1, u, v, log_term);
        dpx += kn[m] * f.px_n + ks[m] * f.px_s;
        dpy += kn[m] * f.py_n + ks[m] * f.py_s;
      }
    }
    px += tau * dpx;
    py += tau * dpy;
    return true;
  }

  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    for (int step = 0; step < nsteps; ++step) {
      for (int i = 0; i < nstages; ++i) {
        if (!bend(i, x, px, y, py, t, pt) || !kick(b[i], x, px, y, py)) return false;
      }
      for (int i = nstages - 1; i >= 0; --i) {
        if (!bend(i, x, px, y, py, t, pt)) return false;
        if (i > 0 && !kick(b[i - 1], x, px, y, py)) return false;
      }
    }
    return true;
  }
};

// k_normal, k_skew: dipole, quadrupole, sextupole, octupole, decapole (entries past the 5th are
// ignored, as in ImpactX), in 1/m^n (units = 0) or T/m^(n-1) (units = 1, divided by the signed
// rigidity). The dipole entry is the curvature 1/rc (positive bends toward -x); without it the
// element is an exact drift plus straight multipoles (ImpactX divides by zero there).
// int_order 2, 4 or 6; mapsteps steps per slice. A particle leaving the domain of the exact bend
// map is lost (ImpactX leaves it unchanged for that sub-step).
struct ExactCFbend : ElementCommon {
  static constexpr const char* type = "cfbend_exact";
  std::vector<double> k_normal{0.0}, k_skew{0.0};
  int units = 0;
  int int_order = 2;
  int mapsteps = 10;

  [[nodiscard]] double strength_scale(const RefPart& ref) const {
    return units == 1 ? 1.0 / ref.rigidity_Tm() : 1.0;
  }
  [[nodiscard]] double radius(const RefPart& ref) const {
    const double curvature = k_normal.empty() ? 0.0 : k_normal[0] * strength_scale(ref);
    return curvature == 0.0 ? 0.0 : 1.0 / curvature;
  }

  void push_reference(RefPart& ref) const {
    const double rc = radius(ref);
    if (rc == 0.0) {
      push_reference_straight(ref, slice_ds());
    } else {
      push_reference_bend(ref, slice_ds(), rc);
    }
  }

  [[nodiscard]] ExactCFbendMap particle_map(const RefPart& ref) const {
    ExactCFbendMap m{};
    const double scale = strength_scale(ref), bg = ref.beta_gamma();
    m.rc = radius(ref);
    m.ibeta = 1.0 / ref.beta();
    m.ibetagam2 = 1.0 / (bg * bg);
    m.ncoef = static_cast<int>(std::min<std::size_t>(
        {k_normal.size(), k_skew.size(), std::size_t(ExactCFbendMap::kMaxCoefficients)}));
    for (int i = 1; i < m.ncoef; ++i) {
      const double f = m.rc == 0.0 ? scale : scale * std::pow(m.rc, i);
      m.kn[i] = k_normal[i] * f;
      m.ks[i] = k_skew[i] * f;
    }
    m.nsteps = mapsteps;
    const double dz = slice_ds() / mapsteps;
    if (int_order == 4) {
      const double alpha = 1.0 - std::cbrt(2.0);
      const double tau2 = dz / (1.0 + alpha), tau1 = 0.5 * tau2;
      m.nstages = 2;
      m.a[0] = tau1, m.a[1] = alpha * tau1;
      m.b[0] = tau2, m.b[1] = (alpha - 1.0) * tau2;
    } else if (int_order == 6) {
      const double w[4] = {1.31518632068391121888424973, -1.17767998417887100694641568,
                           0.23557321335935813368479318, 0.78451361047755726381949763};
      m.nstages = 4;
      m.a[0] = 0.5 * w[3] * dz, m.b[0] = w[3] * dz;
      m.a[1] = 0.5 * (w[3] + w[2]) * dz, m.b[1] = w[2] * dz;
      m.a[2] = 0.5 * (w[2] + w[1]) * dz, m.b[2] = w[1] * dz;
      m.a[3] = 0.5 * (w[1] + w[0]) * dz, m.b[3] = w[0] * dz;
    } else {
      m.nstages = 1;
      m.a[0] = 0.5 * dz, m.b[0] = dz;
    }
    for (int i = 0; i < m.nstages; ++i) {
      const double phi = m.rc == 0.0 ? 0.0 : m.a[i] / m.rc;
      m.sin_a[i] = std::sin(phi), m.cos_a[i] = std::cos(phi);
    }
    return m;
  }

  // ImpactX's transport map: the analytic CFbend with curvature k_normal[0] and quadrupole
  // k_normal[1]. Like ImpactX it leaves out the skew quadrupole k_skew[1], and it differs from
  // the Jacobian of the particle map at the origin by the integrator's truncation error.
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double scale = strength_scale(ref), rc = radius(ref);
    const double k = k_normal.size() > 1 ? k_normal[1] * scale : 0.0;
    return bends::combined_bend_matrix(rc == 0.0 ? 0.0 : 1.0 / rc, k, slice_ds(), ref.beta(),
                                       ref.beta_gamma());
  }

  // The exact linearisation of the particle map (integrator included, skew quadrupole included):
  // the same splitting applied to the linear parts of the sub-maps.
  [[nodiscard]] Matrix6 integrated_linear_map(const RefPart& ref) const {
    const ExactCFbendMap m = particle_map(ref);
    Matrix6 bend[ExactCFbendMap::kMaxStages], kick[ExactCFbendMap::kMaxStages];
    for (int i = 0; i < m.nstages; ++i) {
      bend[i] = m.rc == 0.0 ? bends::drift_matrix(m.a[i], ref.beta_gamma())
                            : bends::sector_bend_matrix(m.rc, m.a[i] / m.rc, ref.beta());
      kick[i] = Matrix6::identity();
      if (m.ncoef > 1) {  // the quadrupole is the only multipole with a linear kick
        const double kq = m.rc == 0.0 ? m.kn[1] : m.kn[1] / m.rc, sq = m.rc == 0.0 ? m.ks[1] : m.ks[1] / m.rc;
        kick[i].R(2, 1) = -kq * m.b[i], kick[i].R(2, 3) = sq * m.b[i];
        kick[i].R(4, 1) = sq * m.b[i], kick[i].R(4, 3) = kq * m.b[i];
      }
    }
    Matrix6 one = Matrix6::identity();
    for (int i = 0; i < m.nstages; ++i) one = kick[i] * bend[i] * one;
    for (int i = m.nstages - 1; i >= 0; --i) {
      one = bend[i] * one;
      if (i > 0) one = kick[i - 1] * one;
    }
    Matrix6 r = Matrix6::identity();
    for (int step = 0; step < m.nsteps; ++step) r = one * r;
    return r;
  }
};

}  // namespace wakeline::elements
