#pragma once
// RF cavity with a soft-edge on-axis field, linear map (ImpactX's RFCavity).
//
// The on-axis field is E_z(z, t) = escale * m c^2/q * g(z) * cos(k t + phase), g the Fourier
// profile of SoftEdgeProfile.hpp (default: the 9-cell TESLA cavity), k = 2 pi freq / c.
// Per slice the reference particle and a 6x6 matrix (from the identity) are integrated
// together over `mapsteps` steps of the second-order three-way split
//   map1(h/2) map2(h/2) map3(h) map2(h/2) map1(h/2),
// where, with P = beta*gamma*p (momenta in units of m c, "dynamic" units):
//   map1(tau): energy kick of the reference, pt -= E0 [G(z+tau) - G(z)] cos(kt + phi), with
//              the matrix kicks Px += L x, Py += L y, Pt += M t,
//              M = E0 [G(z+tau) - G(z)] k sin(kt + phi),
//              L = E0 [g'(z+tau) - g'(z)] sin(kt + phi) / (2k) + M/2; z advances by tau;
//   map2(tau): transverse focusing about the midpoint, s = tau/(beta gamma),
//              L = E0 g'(z) sin(kt + phi)/(2k): (x, Px) -> [[1 - sL, s], [-s L^2, 1 + sL]];
//   map3(tau): the reference's clock t += tau/beta and t += tau Pt/(beta gamma)^3.
// The matrix is then converted to the momenta normalised to the reference momentum at each
// end: R(i,j) * bgi^[j even] / bgf^[i even] (1-indexed). The reference's position moves along
// its entrance direction by ds/nslice, its momentum vector is rescaled by bgf/bgi.
//
// Particles are pushed with this matrix (linear about the reference, as ImpactX). The matrix is
// symplectic in dynamic units, so in the normalised units det R = (bgi/bgf)^3 and
// R^T J R = (bgi/bgf) J: phase-space areas shrink by bgi/bgf per plane (adiabatic damping).
//
// phase in degrees. The field goes as cos(k t + phase) with t the reference particle's clock
// (c times the time since the start of tracking), not the time since the cavity entrance, as
// in ImpactX: the phase of a cavity depends on where it sits in the lattice.
#include <cassert>
#include <cmath>
#include <vector>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"
#include "elements/SoftEdgeProfile.hpp"

namespace wakeline::elements {

// Fourier coefficients of the on-axis E_z of the 9-cell TESLA cavity (ImpactX's default,
// PRST-AB 3, 092001 (2000)); the sine coefficients are all zero.
inline const std::vector<double>& tesla_cos_coefficients() {
  static const std::vector<double> c = {
      0.1644024074311037,       -0.1324009958969339,      4.3443060026047219e-002,  8.5602654094946495e-002,
      -0.2433578169042885,      0.5297150596779437,       0.7164884680963959,       -5.2579522442877296e-003,
      -5.5025369142193678e-002, 4.6845673335028933e-002,  -2.3279346335638568e-002, 4.0800777539657775e-003,
      4.1378326533752169e-003,  -2.5040533340490805e-003, -4.0654981400000964e-003, 9.6630592067498289e-003,
      -8.5275895985990214e-003, -5.8078747006425020e-002, -2.4044337836660403e-002, 1.0968240064697212e-002,
      -3.4461179858301418e-003, -8.1201564869443749e-004, 2.1438992904959380e-003,  -1.4997753525697276e-003,
      1.8685171825676386e-004};
  return c;
}
inline const std::vector<double>& tesla_sin_coefficients() {
  static const std::vector<double> s(25, 0.0);
  return s;
}

struct RFCavity : ElementCommon, IntegratedSlice<RFCavity> {
  static constexpr const char* type = "rfcavity";
  double escale = 0.0;     // 1/m: peak E_z [MV/m] / (m c^2 [MeV]) for q = e
  double freq = 0.0;       // Hz; must be > 0
  double phase_deg = 0.0;  // deg
  int mapsteps = 10;       // integration steps per slice
  std::vector<double> cos_coefficients = tesla_cos_coefficients();
  std::vector<double> sin_coefficients = tesla_sin_coefficients();

  [[nodiscard]] double wavenumber() const { return 2.0 * constants::pi * freq / constants::c; }

  // Pushes `ref` through one slice; when `map` is given, also returns the slice's matrix.
  void integrate(RefPart& ref, Matrix6* map) const {
    const double L = slice_ds();
    const RefPart entrance = ref;
    const double bgi = ref.beta_gamma();
    Matrix6 r = Matrix6::identity();

    const double zin = ref.s - ref.sedge;
    const int n = mapsteps > 0 ? mapsteps : 1;
    const double h = L / n;  // = (zout - zin)/n with zout = zin + L
    const double k = wavenumber(), phi = deg2rad(phase_deg), E0 = escale;
    double zeval = zin;

    // map1: energy kick over [zeval, zeval + tau]; advances zeval.
    const auto map1 = [&](double tau) {
      const ProfileSample a = fourier_profile(cos_coefficients, sin_coefficients, ds, zeval);
      zeval += tau;
      const ProfileSample b = fourier_profile(cos_coefficients, sin_coefficients, ds, zeval);
      const double arg = k * ref.t + phi;
      const double dG = b.G - a.G;
      ref.pt -= E0 * dG * std::cos(arg);
      const double M = E0 * dG * k * std::sin(arg);
      const double Lk = E0 * (b.dg - a.dg) * std::sin(arg) / (2.0 * k) + 0.5 * M;
      for (int j = 0; j < 6; ++j) {
        r(1, j) += Lk * r(0, j);
        r(3, j) += Lk * r(2, j);
        r(5, j) += M * r(4, j);
      }
    };
    // map2: transverse focusing at zeval.
    const auto map2 = [&](double tau) {
      const ProfileSample p = fourier_profile(cos_coefficients, sin_coefficients, ds, zeval);
      const double sv = tau / ref.beta_gamma();
      const double Lk = E0 * p.dg * std::sin(k * ref.t + phi) / (2.0 * k);
      for (int q = 0; q < 4; q += 2)
        for (int j = 0; j < 6; ++j) {
          const double a = r(q, j), b = r(q + 1, j);
          r(q, j) = (1.0 - sv * Lk) * a + sv * b;
          r(q + 1, j) = -sv * Lk * Lk * a + (1.0 + sv * Lk) * b;
        }
    };
    // map3: the reference's clock and the longitudinal drift.
    const auto map3 = [&](double tau) {
      if (ref.pt < -1.0) ref.t += tau / std::sqrt(1.0 - 1.0 / (ref.pt * ref.pt));
      const double bg = ref.beta_gamma();
      const double f = tau / (bg * bg * bg);
      for (int j = 0; j < 6; ++j) r(4, j) += f * r(5, j);
    };
    for (int step = 0; step < n; ++step) {
      map1(0.5 * h);
      map2(0.5 * h);
      map3(h);
      map2(0.5 * h);
      map1(0.5 * h);
    }

    finish_reference_slice(ref, entrance, L);
    const double bgf = ref.beta_gamma();
    if (map) {
      // Dynamic to normalised momenta: rows 1, 3, 5 (0-indexed, momenta) / bgf, columns * bgi.
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) r(i, j) *= (j % 2 == 1 ? bgi : 1.0) / (i % 2 == 1 ? bgf : 1.0);
      *map = r;
    }
  }
};

}  // namespace wakeline::elements
