#pragma once
// Branch-free, inline elementary functions for the particle maps.
//
// Why: glibc's scalar sin/cos/sinh/cosh/log/atan2 are opaque calls that g++ does not vectorise
// (libmvec is only declared under -ffast-math, which the project does not use), and one such call
// in a map keeps the whole loop over particles scalar. The functions here are plain arithmetic
// with selects (no data-dependent branches, no table look-ups), so the push loop vectorises, and
// they give the same bits in the vector body and in the scalar remainder of the loop, so results
// do not depend on a particle's position in the array or on the thread count.
//
// Method: Cody-Waite argument reduction (by pi/2 for sin/cos, ln 2 for sinh/cosh and log, pi/8
// for atan) to a small interval, then a truncated Taylor series on that interval, carried to
// enough terms that the truncation is below 0.1 ulp. Accuracy (tests/cpp/test_vector_math.cpp):
// within a few ulp of glibc over
//   sin_cos:     |x| <= 1e5 (the reduction keeps q pi/2 exact for |q| < 2^20),
//   sinh_cosh:   |x| <= 710 (beyond the overflow threshold 710.476 the result is inf, as glibc's),
//   log:         all positive doubles, subnormals included; 0 -> -inf, x < 0 -> NaN,
//   atan2:       finite arguments (both zero gives 0; infinities are not treated specially).
// NaN arguments give NaN. The signed zeros of sin(-0) etc. are not preserved.
//
// In device code (nvcc) the CUDA math library is used instead: it is already vectorised across
// threads.
#include <bit>
#include <cmath>
#include <cstdint>

#include "core/HostDevice.hpp"

namespace wakeline::vm {

namespace detail {

// 2^q for an integer-valued double q in [-1022, 1023], by building the exponent field.
// q + 1.5 * 2^52 leaves q (two's complement, offset by 2^51) in the low mantissa bits; shifting
// them into the exponent field drops the offset.
WL_HOST_DEVICE WL_FORCE_INLINE double pow2i(double q) {
  const std::uint64_t low = std::bit_cast<std::uint64_t>(q + 0x1.8p52);
  return std::bit_cast<double>((low << 52) + (std::uint64_t{1023} << 52));
}

// Taylor polynomials of cos and sin about 0 in z = sign * r^2 (sign = -1: cos/sin, +1:
// cosh/sinh), good to < 0.1 ulp for |r| <= pi/4 + a little:
//   even(z) = sum z^n/(2n)!  (n <= 8),   odd(z) = sum z^n/(2n+1)!  (n <= 8).
WL_HOST_DEVICE WL_FORCE_INLINE double even_series(double z) {
  double p = 1.0 / 20922789888000.0;  // 1/16!
  p = 1.0 / 87178291200.0 + z * p;    // 1/14!
  p = 1.0 / 479001600.0 + z * p;      // 1/12!
  p = 1.0 / 3628800.0 + z * p;        // 1/10!
  p = 1.0 / 40320.0 + z * p;          // 1/8!
  p = 1.0 / 720.0 + z * p;            // 1/6!
  p = 1.0 / 24.0 + z * p;             // 1/4!
  // 1 + z/2 + z^2 p, with the two leading terms added last (the smallest first).
  return 1.0 + (0.5 * z + (z * z) * p);
}
WL_HOST_DEVICE WL_FORCE_INLINE double odd_series(double r, double z) {
  double p = 1.0 / 355687428096000.0;  // 1/17!
  p = 1.0 / 1307674368000.0 + z * p;   // 1/15!
  p = 1.0 / 6227020800.0 + z * p;      // 1/13!
  p = 1.0 / 39916800.0 + z * p;        // 1/11!
  p = 1.0 / 362880.0 + z * p;          // 1/9!
  p = 1.0 / 5040.0 + z * p;            // 1/7!
  p = 1.0 / 120.0 + z * p;             // 1/5!
  p = 1.0 / 6.0 + z * p;               // 1/3!
  return r + r * (z * p);
}

}  // namespace detail

// s = sin(x), c = cos(x) (hyperbolic = false) or s = sinh(x), c = cosh(x) (true). The two share
// the series (in z = -r^2 or +r^2) and differ in the reduction (by pi/2 or ln 2) and in how the
// reduced values are recombined. Where `hyperbolic` is a run-time value (the sign of a map's
// focusing strength) both recombinations are computed and one is selected: no branch, so the
// loop over particles still vectorises, at about the cost of one of the two functions.
WL_HOST_DEVICE WL_FORCE_INLINE void sin_cos_or_hyperbolic(double x, bool hyperbolic, double& s, double& c) {
#if defined(__CUDA_ARCH__)
  if (hyperbolic) {
    s = ::sinh(x), c = ::cosh(x);
  } else {
    ::sincos(x, &s, &c);
  }
#else
  // pi/2 in three parts; the first two have 33 significant bits, so q * part is exact for
  // |q| < 2^20 and x - q pi/2 loses nothing to cancellation. ln 2 in two parts, the first with
  // 32 significant bits (q * part exact for |q| < 2^21).
  constexpr double kPio2Hi = 0x1.921fb544p0, kPio2Mid = 0x1.0b4611a6p-34, kPio2Lo = 0x1.3198a2e037073p-69;
  constexpr double kLn2Hi = 0x1.62e42feep-1, kLn2Lo = 0x1.a39ef35793c76p-33;
  // sinh/cosh: |x| <= 710 keeps |q| <= 1024 (2^(q-1) finite); beyond, the result is set to inf.
  const double xc = hyperbolic && std::fabs(x) > 710.0 ? std::copysign(710.0, x) : x;
  const double inv_unit = hyperbolic ? 1.4426950408889634074 : 0.63661977236758134308;  // 1/ln2, 2/pi
  const double q = std::nearbyint(xc * inv_unit);
  const double r = ((xc - q * (hyperbolic ? kLn2Hi : kPio2Hi)) - q * (hyperbolic ? kLn2Lo : kPio2Mid)) -
                   q * (hyperbolic ? 0.0 : kPio2Lo);
  const double z = hyperbolic ? r * r : -(r * r);
  const double cr = detail::even_series(z), sr = detail::odd_series(r, z);
  // Circular: quadrant m = q mod 4 (exact in doubles); sin, cos of r + m pi/2 by selection.
  const double m = q - 4.0 * std::floor(0.25 * q);
  const bool odd = m == 1.0 || m == 3.0;
  const double s_circ = m >= 2.0 ? -(odd ? cr : sr) : (odd ? cr : sr);
  const double c_circ = (m == 1.0 || m == 2.0) ? -(odd ? sr : cr) : (odd ? sr : cr);
  // Hyperbolic: cosh(r + q ln2) = cosh r cosh(q ln2) + sinh r sinh(q ln2), and likewise for
  // sinh; with |r| <= ln2/2 neither sum cancels by more than a factor of about 2. cosh(q ln2) =
  // 2^(q-1) + 2^(-q-1); the smaller power is clamped to stay normal (it is then negligible).
  const double aq = std::fabs(q);
  const double big_half = detail::pow2i(aq - 1.0);
  const double small_half = detail::pow2i(aq > 1021.0 ? -1022.0 : -aq - 1.0);
  const double ch = big_half + small_half, sh = std::copysign(big_half - small_half, q);
  const double overflow = std::fabs(x) > 710.4758600739439 ? HUGE_VAL : 1.0;  // as glibc
  s = hyperbolic ? (sr * ch + cr * sh) * overflow : s_circ;
  c = hyperbolic ? (cr * ch + sr * sh) * overflow : c_circ;
#endif
}

// s = sin(x), c = cos(x).
WL_HOST_DEVICE WL_FORCE_INLINE void sin_cos(double x, double& s, double& c) {
  sin_cos_or_hyperbolic(x, false, s, c);
}

WL_HOST_DEVICE WL_FORCE_INLINE double cos(double x) {
  double s, c;
  sin_cos(x, s, c);
  return c;
}

// s = sinh(x), c = cosh(x).
WL_HOST_DEVICE WL_FORCE_INLINE void sinh_cosh(double x, double& s, double& c) {
  sin_cos_or_hyperbolic(x, true, s, c);
}

// Natural logarithm.
WL_HOST_DEVICE WL_FORCE_INLINE double log(double x) {
#if defined(__CUDA_ARCH__)
  return ::log(x);
#else
  // Subnormals are scaled into the normal range first.
  const bool tiny = x < 0x1p-1022;
  const double xs = tiny ? x * 0x1p54 : x;
  // x = 2^k m with m in [sqrt(1/2), sqrt(2)): offset the bits so that the exponent field steps
  // at m = sqrt(1/2) rather than at 1.
  constexpr std::uint64_t kSqrtHalf = 0x3fe6a09e667f3bcdULL;
  const std::uint64_t ix = std::bit_cast<std::uint64_t>(xs) + (0x3ff0000000000000ULL - kSqrtHalf);
  // k as a double without an int64 -> double conversion (none in AVX): 2^52 + e, minus 2^52.
  const double e_field = std::bit_cast<double>((ix >> 52) | 0x4330000000000000ULL) - 0x1p52;
  const double k = e_field - (tiny ? 1023.0 + 54.0 : 1023.0);
  const double m = std::bit_cast<double>((ix & 0x000fffffffffffffULL) + kSqrtHalf);
  // log(1 + f) = f - f^2/2 + s (f^2/2 + R(z)),  s = f/(2 + f),  z = s^2,
  // R(z) = 2z/3 + 2z^2/5 + ... (|s| <= 0.172, z <= 0.0295: 11 terms reach < 0.1 ulp).
  const double f = m - 1.0;
  const double s = f / (2.0 + f), z = s * s;
  double R = 2.0 / 23.0;
  R = 2.0 / 21.0 + z * R;
  R = 2.0 / 19.0 + z * R;
  R = 2.0 / 17.0 + z * R;
  R = 2.0 / 15.0 + z * R;
  R = 2.0 / 13.0 + z * R;
  R = 2.0 / 11.0 + z * R;
  R = 2.0 / 9.0 + z * R;
  R = 2.0 / 7.0 + z * R;
  R = 2.0 / 5.0 + z * R;
  R = 2.0 / 3.0 + z * R;
  R *= z;
  const double hfsq = 0.5 * f * f;
  constexpr double kLn2Hi = 0x1.62e42feep-1, kLn2Lo = 0x1.a39ef35793c76p-33;
  const double y = s * (hfsq + R) + k * kLn2Lo - hfsq + f + k * kLn2Hi;
  // Special values: the bit manipulation above is meaningless for them.
  const double special = x == 0.0 ? -HUGE_VAL : (x < 0.0 ? NAN : x);  // NaN, +inf pass through
  return (x > 0.0 && x < HUGE_VAL) ? y : special;
#endif
}

// atan2(y, x), in (-pi, pi].
WL_HOST_DEVICE WL_FORCE_INLINE double atan2(double y, double x) {
#if defined(__CUDA_ARCH__)
  return ::atan2(y, x);
#else
  const double ax = std::fabs(x), ay = std::fabs(y);
  const bool swap = ay > ax;
  const double num = swap ? ax : ay, den = swap ? ay : ax;  // atan(num/den) in [0, pi/4]
  // Reduce t = num/den in [0, 1] to |t'| <= tan(pi/16) about c = tan(j pi/8), j = 0, 1, 2:
  // t' = (t - c)/(1 + t c) = (num - c den)/(den + c num), one division.
  constexpr double kTan1 = 0.41421356237309504880;  // tan(pi/8) = sqrt(2) - 1
  const bool j1 = num > 0.19891236737965800691 * den, j2 = num > 0.66817863791929891999 * den;
  const double c = j2 ? 1.0 : (j1 ? kTan1 : 0.0);
  const double off_hi = j2 ? 0x1.921fb54442d18p-1 : (j1 ? 0x1.921fb54442d18p-2 : 0.0);  // j pi/8
  const double off_lo = j2 ? 0x1.1a62633145c07p-55 : (j1 ? 0x1.1a62633145c07p-56 : 0.0);
  const double d = den + c * num;
  const double t = (num - c * den) / (d > 0.0 ? d : 1.0);  // 0/0 (x = y = 0) -> 0
  // atan(t) = t - t^3/3 + ..., |t| <= 0.199, z <= 0.0396: terms to t^25 reach < 0.1 ulp.
  const double z = t * t;
  double p = 1.0 / 25.0;
  p = -1.0 / 23.0 + z * p;
  p = 1.0 / 21.0 + z * p;
  p = -1.0 / 19.0 + z * p;
  p = 1.0 / 17.0 + z * p;
  p = -1.0 / 15.0 + z * p;
  p = 1.0 / 13.0 + z * p;
  p = -1.0 / 11.0 + z * p;
  p = 1.0 / 9.0 + z * p;
  p = -1.0 / 7.0 + z * p;
  p = 1.0 / 5.0 + z * p;
  p = -1.0 / 3.0 + z * p;
  const double a = off_hi + (off_lo + (t + t * (z * p)));  // atan(num/den)
  constexpr double kPio2Hi = 0x1.921fb54442d18p0, kPio2Lo = 0x1.1a62633145c07p-54;
  constexpr double kPiHi = 0x1.921fb54442d18p1, kPiLo = 0x1.1a62633145c07p-53;
  const double b = swap ? kPio2Hi + (kPio2Lo - a) : a;  // atan(ay/ax)
  const double r = x < 0.0 ? kPiHi + (kPiLo - b) : b;
  return std::copysign(r, y);
#endif
}

}  // namespace wakeline::vm
