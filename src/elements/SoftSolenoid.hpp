#pragma once
// Soft-edge solenoid, linear map (ImpactX's SoftSolenoid, input type solenoid_softedge).
//
// On-axis B_z(z) = bscale * g(z), g the Fourier profile of SoftEdgeProfile.hpp (default: the
// thin-shell model of a cylinder of current, diameter/length = 1/3, NIM A 1040, 166706).
// bscale is ks = B_z/(B rho) in 1/m, or B_z in T with units = 1 (then divided by the signed
// rigidity, so the field sign is physical).
// Per slice the matrix (from the identity) is integrated over `mapsteps` steps of the split
//   map1(h/2) map2(h/2) map3(h) map2(h/2) map1(h/2),
//   map1(tau): drift, x += tau px, y += tau py, t += tau pt/(beta gamma)^2, the reference's
//              clock t += tau/beta;
//   map2(tau): focusing px -= tau a^2 x, py -= tau a^2 y, a = B0 g(z)/2 at the step midpoint;
//   map3(tau): rotation of the x-y plane by tau a (positions and momenta alike).
// With a constant profile (one coefficient, c0 = 2) the map converges to the hard-edge
// Solenoid with ks = bscale. No acceleration: the matrix is symplectic.
#include <cassert>
#include <cmath>
#include <vector>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"
#include "elements/SoftEdgeProfile.hpp"

namespace wakeline::elements {

// ImpactX's default: the thin-shell solenoid (35 cosine coefficients, sines zero).
inline const std::vector<double>& thin_shell_solenoid_cos_coefficients() {
  static const std::vector<double> c = {
      0.350807812299706,       0.323554693720069,       0.260320578919415,       0.182848575294969,
      0.106921016050403,       4.409581845710694E-002,  -9.416427163897508E-006, -2.459452716865687E-002,
      -3.272762575737291E-002, -2.936414401076162E-002, -1.995780078926890E-002, -9.102893342953847E-003,
      -2.456410658713271E-006, 5.788233017324325E-003,  8.040408292420691E-003,  7.480064552867431E-003,
      5.230254569468851E-003,  2.447614547094685E-003,  -1.095525090532255E-006, -1.614586867387170E-003,
      -2.281365457438345E-003, -2.148709081338292E-003, -1.522541739363011E-003, -7.185505862719508E-004,
      -6.171194824600157E-007, 4.842109305036943E-004,  6.874508102002901E-004,  6.535550288205728E-004,
      4.648795813759210E-004,  2.216564722797528E-004,  -4.100982995210341E-007, -1.499332112463395E-004,
      -2.151538438342482E-004, -2.044590946652016E-004, -1.468242784844341E-004};
  return c;
}
inline const std::vector<double>& thin_shell_solenoid_sin_coefficients() {
  static const std::vector<double> s(35, 0.0);
  return s;
}

struct SoftSolenoid : ElementCommon, IntegratedSlice<SoftSolenoid> {
  static constexpr const char* type = "solenoid_softedge";
  double bscale = 0.0;       // 1/m (units = 0) or T (units = 1)
  bool field_units = false;  // ImpactX's units = 1: bscale is B_z in T
  int mapsteps = 10;
  std::vector<double> cos_coefficients = thin_shell_solenoid_cos_coefficients();
  std::vector<double> sin_coefficients = thin_shell_solenoid_sin_coefficients();

  // Pushes `ref` through one slice; when `map` is given, also returns the slice's matrix.
  void integrate(RefPart& ref, Matrix6* map) const {
    const double L = slice_ds();
    const RefPart entrance = ref;
    const double B0 = field_units ? bscale / ref.rigidity_Tm() : bscale;
    Matrix6 r = Matrix6::identity();
    const int n = mapsteps > 0 ? mapsteps : 1;
    const double h = L / n;
    double zeval = ref.s - ref.sedge;

    const auto map1 = [&](double tau) {  // drift
      drift_substep(ref, r, tau);
      zeval += tau;
    };
    const auto map2 = [&](double tau) {  // focusing
      const double a = 0.5 * B0 * fourier_profile(cos_coefficients, sin_coefficients, ds, zeval).g;
      const double f = tau * a * a;
      for (int j = 0; j < 6; ++j) {
        r(1, j) -= f * r(0, j);
        r(3, j) -= f * r(2, j);
      }
    };
    const auto map3 = [&](double tau) {  // rotation of the x-y plane
      const double theta = 0.5 * tau * B0 * fourier_profile(cos_coefficients, sin_coefficients, ds, zeval).g;
      const double c = std::cos(theta), sn = std::sin(theta);
      for (int q = 0; q < 2; ++q)  // q = 0: positions, q = 1: momenta
        for (int j = 0; j < 6; ++j) {
          const double u = r(q, j), v = r(2 + q, j);
          r(q, j) = c * u + sn * v;
          r(2 + q, j) = c * v - sn * u;
        }
    };
    for (int step = 0; step < n; ++step) {
      map1(0.5 * h);
      map2(0.5 * h);
      map3(h);
      map2(0.5 * h);
      map1(0.5 * h);
    }

    finish_reference_slice(ref, entrance, L);
    if (map) *map = r;
  }
};

}  // namespace wakeline::elements
