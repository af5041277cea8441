// Distribution moments against their parameters, and reproducibility of the sampling.
#include <gtest/gtest.h>
#include <omp.h>

#include "core/Constants.hpp"
#include "distribution/Distribution.hpp"
#include "tracking/Moments.hpp"

using namespace wakeline;

namespace {

struct Second {
  double qq, qp, pp;
};
Second plane_moments(const Particles& b, int plane) {
  const auto& q = plane == 0 ? b.x : plane == 1 ? b.y : b.t;
  const auto& p = plane == 0 ? b.px : plane == 1 ? b.py : b.pt;
  double mq = 0, mp = 0;
  const double n = static_cast<double>(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) mq += q[i], mp += p[i];
  mq /= n, mp /= n;
  Second s{0, 0, 0};
  for (std::size_t i = 0; i < b.size(); ++i) {
    s.qq += (q[i] - mq) * (q[i] - mq), s.qp += (q[i] - mq) * (p[i] - mp), s.pp += (p[i] - mp) * (p[i] - mp);
  }
  s.qq /= n, s.qp /= n, s.pp /= n;
  return s;
}

RefPart proton() {
  RefPart r;
  r.set_species("proton");
  r.set_kin_energy_MeV(2000.0);
  return r;
}

Distribution make(DistributionKind kind) {
  Distribution d;
  d.kind = kind;
  d.planes = {PlaneParameters{1e-3, 2e-4, 0.3}, PlaneParameters{2e-3, 1e-4, -0.5},
              PlaneParameters{3e-4, 2e-3, 0.0}};
  return d;
}

}  // namespace

class DistributionMoments : public ::testing::TestWithParam<DistributionKind> {};

TEST_P(DistributionMoments, SecondMomentsFollowLambdaMu) {
  constexpr std::size_t n = 200000;
  const Distribution d = make(GetParam());
  Particles b;
  sample(d, n, 42, proton(), 1.0, b);
  ASSERT_EQ(b.size(), n);
  const double tol = 5.0 / std::sqrt(static_cast<double>(n));  // a few / sqrt(N)
  for (int p = 0; p < 3; ++p) {
    const auto& pp = d.planes[p];
    const double r = 1.0 - pp.mu * pp.mu;
    const Second s = plane_moments(b, p);
    const double qq = pp.lambda_q * pp.lambda_q / r, ppp = pp.lambda_p * pp.lambda_p / r;
    const double qp = -pp.lambda_q * pp.lambda_p * pp.mu / r;
    EXPECT_NEAR(s.qq / qq, 1.0, tol) << distribution_kind_name(d.kind) << " plane " << p;
    EXPECT_NEAR(s.pp / ppp, 1.0, tol) << distribution_kind_name(d.kind) << " plane " << p;
    EXPECT_NEAR(s.qp / std::sqrt(qq * ppp), qp / std::sqrt(qq * ppp), tol) << distribution_kind_name(d.kind);
    const double eps = std::sqrt(s.qq * s.pp - s.qp * s.qp);
    EXPECT_NEAR(eps / (pp.lambda_q * pp.lambda_p / std::sqrt(r)), 1.0, tol);
  }
}

INSTANTIATE_TEST_SUITE_P(AllKinds, DistributionMoments,
                         ::testing::Values(DistributionKind::gaussian, DistributionKind::waterbag,
                                           DistributionKind::kvdist, DistributionKind::kurth4d,
                                           DistributionKind::kurth6d, DistributionKind::semigaussian,
                                           DistributionKind::triangle),
                         [](const auto& info) { return std::string(distribution_kind_name(info.param)); });

TEST(Distribution, TwissFormMatchesImpactXWorkedExample) {
  // reference/impactx.md 3.1: the FODO beam.
  const PlaneParameters p = plane_from_twiss(-1.59050035, 2.82161941, 2.0e-9);
  EXPECT_NEAR(p.lambda_q, 3.9984884770e-5, 1e-13);
  EXPECT_NEAR(p.lambda_p, 2.6623538760e-5, 1e-13);
  EXPECT_NEAR(p.mu, -0.846574929020762, 1e-9);
}

TEST(Distribution, SupportsOfUniformGenerators) {
  // KV: every particle on the 4-sphere of radius 2 in normalised coordinates.
  Distribution d;
  d.kind = DistributionKind::kvdist;
  d.planes = {PlaneParameters{1, 1, 0}, PlaneParameters{1, 1, 0}, PlaneParameters{1, 1, 0}};
  Particles b;
  sample(d, 1000, 7, proton(), 1.0, b);
  for (std::size_t i = 0; i < b.size(); ++i) {
    EXPECT_NEAR(b.x[i] * b.x[i] + b.px[i] * b.px[i] + b.y[i] * b.y[i] + b.py[i] * b.py[i], 4.0, 1e-12);
    EXPECT_LE(std::fabs(b.t[i]), std::sqrt(3.0));
  }
  // Kurth 6D: positions uniform in the ball of radius sqrt(5); phase-space points on the
  // shell r^2 + p^2 - L^2 = 5 of Kurth's invariant.
  d.kind = DistributionKind::kurth6d;
  b.clear();
  sample(d, 1000, 7, proton(), 1.0, b);
  for (std::size_t i = 0; i < b.size(); ++i) {
    EXPECT_LE(b.x[i] * b.x[i] + b.y[i] * b.y[i] + b.t[i] * b.t[i], 5.0 + 1e-12);
  }
}

TEST(Distribution, MeansDispersionAndIds) {
  Distribution d = make(DistributionKind::gaussian);
  d.mean = {1e-3, 2e-4, -1e-3, 0, 5e-3, 1e-3};
  d.dispersion = {0.5, 0, 0, 0};
  Particles b;
  sample(d, 100000, 3, proton(), 2.5, b);
  const BeamMoments m = compute_moments(b, proton());
  // Dispersion acts on the centred pt, before the means are added (ImpactX's order).
  EXPECT_NEAR(m.mean_x, 1e-3, 5e-6);
  EXPECT_NEAR(m.mean_t, 5e-3, 1e-5);
  EXPECT_NEAR(m.dispersion_x, 0.5, 0.02);
  EXPECT_EQ(b.id.front(), 1);
  EXPECT_EQ(b.id.back(), 100000);
  EXPECT_DOUBLE_EQ(b.w[0], 2.5);
  EXPECT_NEAR(m.charge_C, 2.5 * 100000 * constants::q_e, 1e-20);
}

TEST(Distribution, BitReproducibleAtAnyThreadCount) {
  const Distribution d = make(DistributionKind::waterbag);
  Particles one, two, other;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  sample(d, 20000, 99, proton(), 1.0, one);
  const BeamMoments m1 = compute_moments(one, proton());
  omp_set_num_threads(2);
  sample(d, 20000, 99, proton(), 1.0, two);
  const BeamMoments m2 = compute_moments(two, proton());
  omp_set_num_threads(saved);
  sample(d, 20000, 100, proton(), 1.0, other);
  for (std::size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(one.x[i], two.x[i]);
    ASSERT_EQ(one.pt[i], two.pt[i]);
  }
  EXPECT_EQ(m1.sigma_x, m2.sigma_x);  // moments too: fixed-order reduction
  EXPECT_EQ(m1.emittance_t, m2.emittance_t);
  EXPECT_NE(one.x[0], other.x[0]);  // another seed, another beam
}

TEST(Distribution, ThermalEquilibriumWithoutSpaceCharge) {
  // With no charge the thermal equilibrium in focusing k is Gaussian with sigma_x^2 = kT/k^2.
  Distribution d;
  d.kind = DistributionKind::thermal;
  d.thermal.k = 6.0;
  d.thermal.kT = 4e-6;
  d.thermal.kT_halo = 4e-6;
  Particles b;
  sample(d, 100000, 5, proton(), 1.0, b);  // 1e5 protons: negligible self-field
  const BeamMoments m = compute_moments(b, proton());
  const double sigma = std::sqrt(d.thermal.kT) / d.thermal.k;
  EXPECT_NEAR(m.sigma_x / sigma, 1.0, 0.02);
  EXPECT_NEAR(m.sigma_y / sigma, 1.0, 0.02);
  EXPECT_NEAR(m.sigma_px / std::sqrt(d.thermal.kT), 1.0, 0.02);
  EXPECT_NEAR(m.sigma_t / (sigma / proton().beta_gamma()), 1.0, 0.02);
}
