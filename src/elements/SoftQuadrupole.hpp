#pragma once
// Soft-edge quadrupole, linear map (ImpactX's SoftQuadrupole, input type quadrupole_softedge).
//
// On-axis gradient k(z) = gscale * g(z) (1/m^2; gscale > 0 focuses horizontally, MAD-X
// convention), g the Fourier profile of SoftEdgeProfile.hpp (default: the MaryLie tanh fringe
// k = gscale/2 [tanh((z - zi)/g) - tanh((z - zf)/g)] with gap/length = 1/10).
// Per slice the matrix (from the identity) is integrated over `mapsteps` leapfrog steps
//   map1(h/2) map2(h) map1(h/2),
//   map1(tau): drift, x += tau px, y += tau py, t += tau pt/(beta gamma)^2, the reference's
//              clock t += tau/beta;
//   map2(tau): kick px -= tau k x, py += tau k y, k at the step midpoint.
// With a constant profile (one coefficient, c0 = 2) the map converges to the hard-edge Quad
// with k = gscale. No acceleration: the matrix is symplectic.
#include <cassert>
#include <cmath>
#include <vector>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"
#include "elements/SoftEdgeProfile.hpp"

namespace wakeline::elements {

// ImpactX's default: the MaryLie tanh fringe (25 cosine coefficients, sines zero).
inline const std::vector<double>& tanh_quadrupole_cos_coefficients() {
  static const std::vector<double> c = {
      0.834166514794446,       0.598104328994702,       0.141852844428785,       -0.118211272182381,
      -9.056149864743113E-002, 1.803476331179615E-002,  4.464887700797893E-002,  7.364410636252136E-003,
      -1.697541023436736E-002, -9.012679515542771E-003, 4.367667630047725E-003,  5.444030542119803E-003,
      -5.889959910931886E-005, -2.409098101409192E-003, -7.962712154165590E-004, 7.855814707106538E-004,
      6.174930463182168E-004,  -1.340154094301854E-004, -3.167213724698439E-004, -4.925292460592617E-005,
      1.221580597451921E-004,  6.331025910961789E-005,  -3.202416719002774E-005, -3.872103053895529E-005,
      8.212882937116278E-007};
  return c;
}
inline const std::vector<double>& tanh_quadrupole_sin_coefficients() {
  static const std::vector<double> s(25, 0.0);
  return s;
}

struct SoftQuadrupole : ElementCommon, IntegratedSlice<SoftQuadrupole> {
  static constexpr const char* type = "quadrupole_softedge";
  double gscale = 0.0;  // 1/m^2
  int mapsteps = 10;
  std::vector<double> cos_coefficients = tanh_quadrupole_cos_coefficients();
  std::vector<double> sin_coefficients = tanh_quadrupole_sin_coefficients();

  // Pushes `ref` through one slice; when `map` is given, also returns the slice's matrix.
  void integrate(RefPart& ref, Matrix6* map) const {
    const double L = slice_ds();
    const RefPart entrance = ref;
    Matrix6 r = Matrix6::identity();
    const int n = mapsteps > 0 ? mapsteps : 1;
    const double h = L / n;
    double zeval = ref.s - ref.sedge;

    const auto map1 = [&](double tau) {  // drift
      drift_substep(ref, r, tau);
      zeval += tau;
    };
    const auto map2 = [&](double tau) {  // quadrupole kick
      const double f = tau * gscale * fourier_profile(cos_coefficients, sin_coefficients, ds, zeval).g;
      for (int j = 0; j < 6; ++j) {
        r(1, j) -= f * r(0, j);
        r(3, j) += f * r(2, j);
      }
    };
    for (int step = 0; step < n; ++step) {
      map1(0.5 * h);
      map2(h);
      map1(0.5 * h);
    }

    finish_reference_slice(ref, entrance, L);
    if (map) *map = r;
  }
};

}  // namespace wakeline::elements
