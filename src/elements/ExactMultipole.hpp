#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "elements/ExactDrift.hpp"

namespace wakeline::elements {

// Most multipole coefficients an ExactMultipole carries (index 0 = dipole ... 15 = 32-pole).
inline constexpr int kExactMultipoleMaxCoefficients = 16;

// ExactMultipole's particle map over one slice: `steps` map steps of a symmetric composition of
// A = the exact drift (outermost, as in ImpactX) and B = the multipole kick
//   dpx - i dpy = -tau sum_m (kn_m + i ks_m) (x + i y)^m / m!,
// with no 1/delta1 factor (the field term of the exact Hamiltonian is normalised to p0).
struct ExactMultipoleMap {
  int n, steps, ncoef;
  double ibeta, ibg2;
  double tau_a[4], tau_b[4];  // first halves of the A and B step lists
  double kn[kExactMultipoleMaxCoefficients], ks[kExactMultipoleMaxCoefficients];  // divided by m!

  WL_HOST_DEVICE WL_FORCE_INLINE void kick(double tau, double x, double& px, double y, double& py) const {
    double re = 1.0, im = 0.0, fx = 0.0, fy = 0.0;  // (x + i y)^m
    for (int m = 0; m < ncoef; ++m) {
      fx += kn[m] * re - ks[m] * im;
      fy += kn[m] * im + ks[m] * re;
      const double r2 = re * x - im * y;
      im = re * y + im * x;
      re = r2;
    }
    px -= tau * fx;
    py += tau * fy;
  }

  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    for (int s = 0; s < steps; ++s) {
      for (int j = 0; j < n; ++j) {
        if (!exact_drift(tau_a[split_a_index(j, n)], ibeta, ibg2, x, px, y, py, t, pt)) return false;
        kick(tau_b[split_b_index(j, n)], x, px, y, py);
      }
      if (!exact_drift(tau_a[0], ibeta, ibg2, x, px, y, py, t, pt)) return false;
    }
    return true;
  }
};

// Thick straight multipole with the exact Hamiltonian (ImpactX ExactMultipole):
//   H = -sqrt(delta1^2 - px^2 - py^2) - pt/beta + Re sum_m (kn_m + i ks_m) (x + i y)^(m+1)/(m+1)!,
// k_normal[m], k_skew[m] per unit length: index 0 = dipole (1/m), 1 = quadrupole (1/m^2),
// 2 = sextupole (1/m^3), ... (MAD-X convention); units = 1: T/m^m, divided by the signed B rho.
// A dipole term kicks every particle, the reference orbit included, and does not steer the
// reference particle. Integrated with `mapsteps` steps per slice of the order-`int_order`
// (2, 4, 6) composition; mapsteps defaults to ImpactX's inputs-file default, 10.
// Linear part (as ImpactX's transport_map): the normal and skew quadrupole terms only (no
// dipole feed-down, no chromatic terms).
struct ExactMultipole : ElementCommon {
  static constexpr const char* type = "multipole_exact";
  std::vector<double> k_normal{0.0}, k_skew{0.0};  // same length, at most kExactMultipoleMaxCoefficients
  int units = 0;
  int int_order = 2;
  int mapsteps = 10;

  [[nodiscard]] double scale(const RefPart& ref) const { return units == 1 ? 1.0 / ref.rigidity_Tm() : 1.0; }
  [[nodiscard]] static double coefficient(const std::vector<double>& v, std::size_t m) {
    return m < v.size() ? v[m] : 0.0;
  }

  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] ExactMultipoleMap particle_map(const RefPart& ref) const {
    const double bg = ref.beta_gamma(), f = scale(ref);
    const SplitScheme sc = split_scheme(int_order);
    const double h = slice_ds() / mapsteps;
    ExactMultipoleMap m{};
    m.n = sc.n, m.steps = mapsteps, m.ibeta = 1.0 / ref.beta(), m.ibg2 = 1.0 / (bg * bg);
    for (int j = 0; j <= sc.n / 2; ++j) m.tau_a[j] = sc.d[j] * h;
    for (int j = 0; j <= (sc.n - 1) / 2; ++j) m.tau_b[j] = sc.c[j] * h;
    std::size_t ncoef = std::max(k_normal.size(), k_skew.size());
    if (ncoef > static_cast<std::size_t>(kExactMultipoleMaxCoefficients))
      ncoef = kExactMultipoleMaxCoefficients;
    m.ncoef = static_cast<int>(ncoef);
    double factorial = 1.0;
    for (std::size_t j = 0; j < ncoef; ++j) {
      if (j > 1) factorial *= static_cast<double>(j);
      m.kn[j] = coefficient(k_normal, j) * f / factorial;
      m.ks[j] = coefficient(k_skew, j) * f / factorial;
    }
    return m;
  }

  // x'' = -K x with K = [[kn, -ks], [-ks, -kn]] (x = (x, y)); K = kabs M with M^2 = 1, so with
  // the projectors P+- = (1 +- M)/2 the blocks are P+ cos + P- cosh etc.
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double L = slice_ds(), bg = ref.beta_gamma(), f = scale(ref);
    const double kn = coefficient(k_normal, 1) * f, ks = coefficient(k_skew, 1) * f;
    const double kabs = std::hypot(kn, ks);
    Matrix6 r = Matrix6::identity();
    r(4, 5) = L / (bg * bg);
    if (kabs == 0.0) {
      r(0, 1) = L, r(2, 3) = L;
      return r;
    }
    const FocusBlock fp = focus_block(kabs, L), fm = focus_block(-kabs, L);
    // M = K / kabs; P+ = (1 + M)/2, P- = (1 - M)/2.
    const double M[2][2] = {{kn / kabs, -ks / kabs}, {-ks / kabs, -kn / kabs}};
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        const double id = i == j ? 1.0 : 0.0;
        const double pp = 0.5 * (id + M[i][j]), pm = 0.5 * (id - M[i][j]);
        r(2 * i, 2 * j) = pp * fp.c + pm * fm.c;
        r(2 * i, 2 * j + 1) = pp * fp.s + pm * fm.s;
        r(2 * i + 1, 2 * j) = pp * fp.sp + pm * fm.sp;
        r(2 * i + 1, 2 * j + 1) = pp * fp.c + pm * fm.c;
      }
    return r;
  }
};

}  // namespace wakeline::elements
