// The branch-free elementary functions of core/VectorMath.hpp against glibc: largest error in
// ulp over wide sweeps of the argument ranges the particle maps use.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "core/VectorMath.hpp"

namespace {

using namespace wakeline;

// Distance in units in the last place of the reference value (reference treated as exact).
double ulp_error(double got, double ref) {
  if (std::isnan(ref)) return std::isnan(got) ? 0.0 : 1e300;
  if (std::isinf(ref)) return got == ref ? 0.0 : 1e300;
  const double ulp = std::nextafter(std::fabs(ref), HUGE_VAL) - std::fabs(ref);
  return std::fabs(got - ref) / ulp;
}

// The argument through memory: the two functions compared must see the same double (with FMA
// contraction, an inlined expression for the argument may otherwise round differently per use).
double opaque(double x) {
  volatile double v = x;
  return v;
}

// Logarithmically spaced magnitudes in [lo, hi] with both signs, plus uniform random draws.
template <class F>
void sweep(double lo, double hi, bool both_signs, F&& check) {
  const int n = 200000;
  const double ratio = std::log(hi) - std::log(lo);  // hi / lo may overflow
  for (int i = 0; i <= n; ++i) {
    const double a = lo * std::exp(ratio * i / n);
    check(opaque(a));
    if (both_signs) check(opaque(-a));
  }
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> u(both_signs ? -hi : 0.0, hi);
  for (int i = 0; i < n; ++i) check(opaque(u(rng)));
}

TEST(VectorMath, SinCosWithinTwoUlpUpTo1e5) {
  double worst_s = 0.0, worst_c = 0.0;
  sweep(1e-300, 1e5, true, [&](double x) {
    double s, c;
    vm::sin_cos(x, s, c);
    // Near a zero of sin or cos the absolute error is what matters: measure against 1 ulp of
    // the reduced argument's scale (the results' magnitude near a zero is |r|, not 1).
    worst_s = std::max(worst_s, std::min(ulp_error(s, std::sin(x)), std::fabs(s - std::sin(x)) / 0x1p-53));
    worst_c = std::max(worst_c, std::min(ulp_error(c, std::cos(x)), std::fabs(c - std::cos(x)) / 0x1p-53));
  });
  EXPECT_LE(worst_s, 2.0);
  EXPECT_LE(worst_c, 2.0);
}

TEST(VectorMath, SinCosRelativeAccuracyForSmallArguments) {
  // sin(x)/x is what the chromatic maps use near x = 0: it must keep full relative precision.
  double worst = 0.0;
  sweep(1e-300, 1.0, true, [&](double x) {
    double s, c;
    vm::sin_cos(x, s, c);
    worst = std::max(worst, ulp_error(s, std::sin(x)));
    worst = std::max(worst, ulp_error(c, std::cos(x)));
  });
  EXPECT_LE(worst, 2.0);
}

TEST(VectorMath, SinhCoshWithinFourUlp) {
  double worst = 0.0;
  sweep(1e-300, 709.9, true, [&](double x) {
    double s, c;
    vm::sinh_cosh(x, s, c);
    worst = std::max(worst, ulp_error(s, std::sinh(x)));
    worst = std::max(worst, ulp_error(c, std::cosh(x)));
  });
  EXPECT_LE(worst, 4.0);
  double s, c;
  vm::sinh_cosh(1000.0, s, c);
  EXPECT_EQ(s, HUGE_VAL);
  EXPECT_EQ(c, HUGE_VAL);
  vm::sinh_cosh(-1000.0, s, c);
  EXPECT_EQ(s, -HUGE_VAL);
  EXPECT_EQ(c, HUGE_VAL);
}

TEST(VectorMath, LogWithinTwoUlpOverAllPositiveDoubles) {
  double worst = 0.0;
  sweep(std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(), false,
        [&](double x) { worst = std::max(worst, ulp_error(vm::log(x), std::log(x))); });
  // Near x = 1, where log is small and the reduction matters most.
  sweep(1e-15, 0.5, true, [&](double d) {
    const double x = opaque(1.0 + d);
    worst = std::max(worst, ulp_error(vm::log(x), std::log(x)));
  });
  EXPECT_LE(worst, 2.0);
  EXPECT_EQ(vm::log(0.0), -HUGE_VAL);
  EXPECT_EQ(vm::log(HUGE_VAL), HUGE_VAL);
  EXPECT_TRUE(std::isnan(vm::log(-1.0)));
  EXPECT_TRUE(std::isnan(vm::log(NAN)));
}

TEST(VectorMath, Atan2WithinThreeUlpInEveryQuadrant) {
  double worst = 0.0;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI), logr(-30.0, 30.0);
  for (int i = 0; i < 400000; ++i) {
    const double a = angle(rng), r = std::exp(logr(rng));
    const double y = opaque(r * std::sin(a)), x = opaque(r * std::cos(a));
    worst = std::max(worst, ulp_error(vm::atan2(y, x), std::atan2(y, x)));
  }
  // Nearly aligned with an axis, and small angle differences (the bend maps' use).
  sweep(1e-300, 1e3, true, [&](double t) {
    worst = std::max(worst, ulp_error(vm::atan2(t, 1.0), std::atan2(t, 1.0)));
    worst = std::max(worst, ulp_error(vm::atan2(1.0, t), std::atan2(1.0, t)));
    worst = std::max(worst, ulp_error(vm::atan2(t, -1.0), std::atan2(t, -1.0)));
  });
  EXPECT_LE(worst, 3.0);
  EXPECT_EQ(vm::atan2(0.0, 0.0), 0.0);
  EXPECT_EQ(vm::atan2(0.0, -1.0), M_PI);
  EXPECT_EQ(vm::atan2(1.0, 0.0), M_PI / 2);
  EXPECT_TRUE(std::isnan(vm::atan2(NAN, 1.0)));
}

TEST(VectorMath, NaNPropagates) {
  double s, c;
  vm::sin_cos(NAN, s, c);
  EXPECT_TRUE(std::isnan(s) && std::isnan(c));
  vm::sinh_cosh(NAN, s, c);
  EXPECT_TRUE(std::isnan(s) && std::isnan(c));
}

}  // namespace
