#pragma once
#include <array>
#include <cmath>

#include "core/HostDevice.hpp"

namespace wakeline {

// A 6x6 matrix over the phase-space vector (x, px, y, py, t, pt), row-major, 0-indexed.
// Used for element linear maps, lattice transfer maps and covariance matrices.
struct Matrix6 {
  std::array<double, 36> m{};

  static Matrix6 identity() {
    Matrix6 r;
    for (int i = 0; i < 6; ++i) r(i, i) = 1.0;
    return r;
  }
  static Matrix6 zero() { return Matrix6{}; }
  WL_HOST_DEVICE double& operator()(int i, int j) { return m[6 * i + j]; }
  WL_HOST_DEVICE double operator()(int i, int j) const { return m[6 * i + j]; }
  // 1-indexed access in the R(i,j) notation of the literature (R11 .. R66).
  double& R(int i, int j) { return (*this)(i - 1, j - 1); }
  [[nodiscard]] double R(int i, int j) const { return (*this)(i - 1, j - 1); }

  friend Matrix6 operator*(const Matrix6& a, const Matrix6& b) {
    Matrix6 r;
    for (int i = 0; i < 6; ++i)
      for (int k = 0; k < 6; ++k) {
        const double aik = a(i, k);
        if (aik == 0.0) continue;
        for (int j = 0; j < 6; ++j) r(i, j) += aik * b(k, j);
      }
    return r;
  }
  [[nodiscard]] Matrix6 transpose() const {
    Matrix6 r;
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) r(i, j) = (*this)(j, i);
    return r;
  }
  [[nodiscard]] double max_abs_diff(const Matrix6& o) const {
    double d = 0.0;
    for (int i = 0; i < 36; ++i) d = std::fmax(d, std::fabs(m[i] - o.m[i]));
    return d;
  }
};

// The symplectic form J for (x, px, y, py, t, pt).
inline Matrix6 symplectic_form() {
  Matrix6 j;
  for (int p = 0; p < 3; ++p) {
    j(2 * p, 2 * p + 1) = 1.0;
    j(2 * p + 1, 2 * p) = -1.0;
  }
  return j;
}

}  // namespace wakeline
