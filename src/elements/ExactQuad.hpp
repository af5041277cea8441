#pragma once
#include "elements/ExactDrift.hpp"

namespace wakeline::elements {

// One step of the linear quadrupole (the A map of ExactQuad): x and y blocks and the R56.
struct LinearQuadStep {
  double xc, xs, xsp, yc, ys, ysp, r56;

  WL_HOST_DEVICE WL_FORCE_INLINE void apply(double& x, double& px, double& y, double& py, double& t,
                                            double pt) const {
    const double x0 = x, y0 = y;
    x = xc * x0 + xs * px;
    px = xsp * x0 + xc * px;
    y = yc * y0 + ys * py;
    py = ysp * y0 + yc * py;
    t += r56 * pt;
  }
  static LinearQuadStep make(double g, double tau, double ibg2) {
    const FocusBlock bx = focus_block(g, tau), by = focus_block(-g, tau);
    return {bx.c, bx.s, bx.sp, by.c, by.s, by.sp, tau * ibg2};
  }
};

// ExactQuad's particle map over one slice: `steps` map steps of a symmetric composition of
// A = the linear quadrupole (Quad's map, exact for the linear part) and B = the exact drift
// minus the paraxial drift (exact_drift_correction), A outermost as in ImpactX.
struct ExactQuadMap {
  int n, steps;  // inner steps per map step (1, 3, 7), map steps per slice
  double ibeta, ibg2;
  LinearQuadStep a[4];  // the A steps d_j h, first half (split_a_index)
  double tau_b[4];      // the B steps c_j h, first half (split_b_index)

  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    for (int s = 0; s < steps; ++s) {
      for (int j = 0; j < n; ++j) {
        a[split_a_index(j, n)].apply(x, px, y, py, t, pt);
        if (!exact_drift_correction(tau_b[split_b_index(j, n)], ibeta, ibg2, x, px, y, py, t, pt))
          return false;
      }
      a[0].apply(x, px, y, py, t, pt);
    }
    return true;
  }
};

// Hard-edge quadrupole with the exact Hamiltonian (ImpactX ExactQuad):
//   H = -sqrt(delta1^2 - px^2 - py^2) - pt/beta + (g/2)(x^2 - y^2),
// split as H = H_linear-quad + (H_exact-drift - H_paraxial-drift) and integrated with
// `mapsteps` steps per slice of the order-`int_order` (2, 4 or 6) symmetric composition.
// k in 1/m^2 (units = 0, MAD-X) or T/m (units = 1: g = k/(B rho), signed rigidity).
// mapsteps defaults to 10, ImpactX's inputs-file default (its Python default is 5).
// A particle with px^2 + py^2 >= delta1^2 at any sub-step is lost.
// Linear part: Quad with strength g (the B map has none).
struct ExactQuad : ElementCommon {
  static constexpr const char* type = "quad_exact";
  double k = 0.0;
  int units = 0;
  int int_order = 2;
  int mapsteps = 10;

  [[nodiscard]] double strength(const RefPart& ref) const { return units == 1 ? k / ref.rigidity_Tm() : k; }
  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] ExactQuadMap particle_map(const RefPart& ref) const {
    const double bg = ref.beta_gamma(), ibg2 = 1.0 / (bg * bg), g = strength(ref);
    const SplitScheme sc = split_scheme(int_order);
    const double h = slice_ds() / mapsteps;
    ExactQuadMap m{};
    m.n = sc.n, m.steps = mapsteps, m.ibeta = 1.0 / ref.beta(), m.ibg2 = ibg2;
    for (int j = 0; j <= sc.n / 2; ++j) m.a[j] = LinearQuadStep::make(g, sc.d[j] * h, ibg2);
    for (int j = 0; j <= (sc.n - 1) / 2; ++j) m.tau_b[j] = sc.c[j] * h;
    return m;
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double g = strength(ref);
    return chromatic_linear_map(ref, slice_ds(), g, -g);
  }
};

}  // namespace wakeline::elements
