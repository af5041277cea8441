// The IOTA invariants written by monitors with nonlinear_lens_invariants.
#include <gtest/gtest.h>

#include "tracking/LensInvariants.hpp"

using wakeline::LensInvariants;

TEST(LensInvariants, LinearLimitIsTheCourantSnyderAction) {
  const LensInvariants inv{0.5, 2.0, 0.0, 0.01};
  double H, I;
  const double x = 1e-3, px = -2e-4, y = 3e-4, py = 1e-4;
  inv(x, y, px, py, H, I);
  const auto norm = [](double q, double p) {
    const double qn = q / (0.01 * std::sqrt(2.0));
    return std::pair{qn, p * std::sqrt(2.0) / 0.01 + 0.5 * qn};
  };
  const auto [xn, pxn] = norm(x, px);
  const auto [yn, pyn] = norm(y, py);
  EXPECT_NEAR(H, 0.5 * (xn * xn + pxn * pxn + yn * yn + pyn * pyn), 1e-12);
  const double jz = xn * pyn - yn * pxn;
  EXPECT_NEAR(I, jz * jz + xn * xn + pxn * pxn, 1e-12);
}

TEST(LensInvariants, NonlinearPotentialOnTheXAxis) {
  // On the axis y = 0, |x| < 1: Re[zeta asin(zeta)/sqrt(1-zeta^2)] = x asin(x)/sqrt(1-x^2).
  const LensInvariants inv{0.0, 1.0, -0.4, 1.0};
  double H, I;
  inv(0.5, 0.0, 0.0, 0.0, H, I);
  const double pot = 0.5 * std::asin(0.5) / std::sqrt(0.75);
  EXPECT_NEAR(H, 0.5 * 0.25 - 0.4 * pot, 1e-14);
  EXPECT_NEAR(I, 0.25 - 0.4 * 2.0 * pot, 1e-14);
}
