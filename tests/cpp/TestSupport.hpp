#pragma once
// Helpers shared by the C++ tests: matrix exponential (an independent way to get a linear map
// from its generator), symplecticity error, numerical Jacobians of particle maps.
#include <array>
#include <cmath>
#include <string>

#include "core/Error.hpp"
#include "core/Matrix6.hpp"
#include "core/RefPart.hpp"

namespace wakeline::test {

// Quasi-random points in the unit 4-cube (Roberts' R4 sequence). Beams drawn from it have a
// sampling noise that falls like 1/n rather than 1/sqrt(n), so 10^6 particles resolve a field to
// a fraction of a percent and a test sees the solver's own error.
struct QuasiRandom4 {
  static constexpr double phi = 1.1673039782614187;  // root of x^5 = x + 1
  double state[4] = {0.5, 0.5, 0.5, 0.5};
  std::array<double, 4> next() {
    double a = 1.0;
    std::array<double, 4> u{};
    for (int d = 0; d < 4; ++d) {
      a /= phi;
      state[d] += a;
      state[d] -= std::floor(state[d]);
      u[d] = state[d];
    }
    return u;
  }
};

// A thick element of length ds in nslice slices (the other parameters left at their defaults).
template <class E>
E thick(double ds, int nslice = 1) {
  E e;
  e.ds = ds;
  e.nslice = nslice;
  return e;
}

inline RefPart electron_GeV(double kinetic_GeV) {
  RefPart r;
  r.set_species("electron");
  r.set_kin_energy_MeV(kinetic_GeV * 1e3);
  return r;
}

inline Matrix6 scaled(const Matrix6& a, double s) {
  Matrix6 r = a;
  for (double& v : r.m) v *= s;
  return r;
}
inline Matrix6 added(const Matrix6& a, const Matrix6& b) {
  Matrix6 r = a;
  for (int i = 0; i < 36; ++i) r.m[i] += b.m[i];
  return r;
}

// exp(A) by scaling and squaring with a 20-term Taylor series.
inline Matrix6 expm(const Matrix6& a) {
  double norm = 0.0;
  for (double v : a.m) norm = std::fmax(norm, std::fabs(v));
  int squarings = 0;
  while (norm > 0.1) norm /= 2.0, ++squarings;
  const Matrix6 as = scaled(a, std::ldexp(1.0, -squarings));
  Matrix6 term = Matrix6::identity(), sum = Matrix6::identity();
  for (int k = 1; k <= 20; ++k) {
    term = scaled(term * as, 1.0 / k);
    sum = added(sum, term);
  }
  for (int i = 0; i < squarings; ++i) sum = sum * sum;
  return sum;
}

// max |M^T J M - J|
inline double symplectic_error(const Matrix6& m) {
  const Matrix6 j = symplectic_form();
  return (m.transpose() * j * m).max_abs_diff(j);
}

// Relative difference, elementwise, with an absolute floor for entries near zero.
inline double max_rel_diff(const Matrix6& a, const Matrix6& b, double floor = 1e-12) {
  double d = 0.0;
  for (int i = 0; i < 36; ++i) {
    const double scale = std::fmax(std::fabs(b.m[i]), floor);
    d = std::fmax(d, std::fabs(a.m[i] - b.m[i]) / scale);
  }
  return d;
}

// Jacobian of a particle map at point z0 by central differences.
template <class Map>
Matrix6 jacobian(const Map& map, const std::array<double, 6>& z0, double h = 1e-7) {
  Matrix6 jac;
  for (int j = 0; j < 6; ++j) {
    std::array<double, 6> zp = z0, zm = z0;
    zp[j] += h, zm[j] -= h;
    map(zp[0], zp[1], zp[2], zp[3], zp[4], zp[5]);
    map(zm[0], zm[1], zm[2], zm[3], zm[4], zm[5]);
    for (int i = 0; i < 6; ++i) jac(i, j) = (zp[i] - zm[i]) / (2 * h);
  }
  return jac;
}

template <class Map>
std::array<double, 6> apply(const Map& map, std::array<double, 6> z) {
  map(z[0], z[1], z[2], z[3], z[4], z[5]);
  return z;
}

// A small beam for deck tests (20 electrons at 1 GeV, 1 pC); the tests add the lattice.
inline constexpr const char* kTestBeamDeck = R"deck(
beam.npart = 20
beam.units = static
beam.kin_energy = 1000
beam.charge = 1e-12
beam.particle = electron
beam.distribution = waterbag
beam.lambdaX = 1e-6
beam.lambdaY = 1e-6
beam.lambdaT = 1e-6
beam.lambdaPx = 1e-6
beam.lambdaPy = 1e-6
beam.lambdaPt = 1e-6
)deck";

// The key named by the InputError that `f()` throws, or "<no error>".
template <class F>
std::string input_error_key(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.key();
  }
  return "<no error>";
}

}  // namespace wakeline::test
