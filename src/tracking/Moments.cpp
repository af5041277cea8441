#include "tracking/Moments.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/Constants.hpp"

namespace wakeline {

namespace {

constexpr std::size_t kChunk = 8192;

// Per-chunk sums. First pass: weights, weighted coordinates, extrema. Second pass: central
// second moments about the global means.
struct FirstPass {
  double w = 0, q = 0;
  std::array<double, 6> sum{};
  std::array<double, 6> lo, hi;
  std::size_t count = 0;
  FirstPass() {
    lo.fill(std::numeric_limits<double>::infinity());
    hi.fill(-std::numeric_limits<double>::infinity());
  }
};
// Every second moment (the upper triangle of the 6x6 covariance): Twiss and dispersion use a
// few of them, the eigenemittances all.
constexpr std::array<std::pair<int, int>, 21> kPairs = [] {
  std::array<std::pair<int, int>, 21> p{};
  int k = 0;
  for (int r = 0; r < 6; ++r)
    for (int c = r; c < 6; ++c) p[k++] = {r, c};
  return p;
}();

void coords(const Particles& b, std::size_t i, double* c) {
  c[0] = b.x[i], c[1] = b.px[i], c[2] = b.y[i], c[3] = b.py[i], c[4] = b.t[i], c[5] = b.pt[i];
}

}  // namespace

std::vector<std::pair<std::string, double>> BeamMoments::named_values(bool with_eigenemittances) const {
  std::vector<std::pair<std::string, double>> v = {{"mean_x", mean_x},
                                                   {"min_x", min_x},
                                                   {"max_x", max_x},
                                                   {"mean_y", mean_y},
                                                   {"min_y", min_y},
                                                   {"max_y", max_y},
                                                   {"mean_t", mean_t},
                                                   {"min_t", min_t},
                                                   {"max_t", max_t},
                                                   {"sigma_x", sigma_x},
                                                   {"sigma_y", sigma_y},
                                                   {"sigma_t", sigma_t},
                                                   {"mean_px", mean_px},
                                                   {"min_px", min_px},
                                                   {"max_px", max_px},
                                                   {"mean_py", mean_py},
                                                   {"min_py", min_py},
                                                   {"max_py", max_py},
                                                   {"mean_pt", mean_pt},
                                                   {"min_pt", min_pt},
                                                   {"max_pt", max_pt},
                                                   {"sigma_px", sigma_px},
                                                   {"sigma_py", sigma_py},
                                                   {"sigma_pt", sigma_pt},
                                                   {"emittance_x", emittance_x},
                                                   {"emittance_y", emittance_y},
                                                   {"emittance_t", emittance_t},
                                                   {"alpha_x", alpha_x},
                                                   {"alpha_y", alpha_y},
                                                   {"alpha_t", alpha_t},
                                                   {"beta_x", beta_x},
                                                   {"beta_y", beta_y},
                                                   {"beta_t", beta_t},
                                                   {"dispersion_x", dispersion_x},
                                                   {"dispersion_px", dispersion_px},
                                                   {"dispersion_y", dispersion_y},
                                                   {"dispersion_py", dispersion_py},
                                                   {"emittance_xn", emittance_xn},
                                                   {"emittance_yn", emittance_yn},
                                                   {"emittance_tn", emittance_tn}};
  // ImpactX's column order: the eigenemittances, when asked for, come before charge_C.
  if (with_eigenemittances) {
    v.insert(v.end(),
             {{"emittance_1", emittance_1}, {"emittance_2", emittance_2}, {"emittance_3", emittance_3}});
  }
  v.emplace_back("charge_C", charge_C);
  return v;
}

namespace {

// Eigenvalues (ascending) and eigenvectors (columns of v) of a symmetric 6x6 matrix by cyclic
// Jacobi rotations: slow in theory, exact enough and simple for a 6x6 done once per diagnostic.
void symmetric_eigen(Matrix6 a, std::array<double, 6>& w, Matrix6& v) {
  v = Matrix6::identity();
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, scale = 0.0;
    for (int p = 0; p < 6; ++p)
      for (int q = 0; q < 6; ++q) (p == q ? scale : off) += a(p, q) * a(p, q);
    if (off <= 1e-32 * scale) break;
    for (int p = 0; p < 5; ++p)
      for (int q = p + 1; q < 6; ++q) {
        if (a(p, q) == 0.0) continue;
        const double theta = 0.5 * (a(q, q) - a(p, p)) / a(p, q);
        const double tn = std::copysign(1.0, theta) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(tn * tn + 1.0), s = tn * c;
        for (int k = 0; k < 6; ++k) {  // a <- a G (columns p, q)
          const double akp = a(k, p), akq = a(k, q);
          a(k, p) = c * akp - s * akq, a(k, q) = s * akp + c * akq;
        }
        for (int k = 0; k < 6; ++k) {  // a <- G^T a (rows p, q)
          const double apk = a(p, k), aqk = a(q, k);
          a(p, k) = c * apk - s * aqk, a(q, k) = s * apk + c * aqk;
        }
        for (int k = 0; k < 6; ++k) {
          const double vkp = v(k, p), vkq = v(k, q);
          v(k, p) = c * vkp - s * vkq, v(k, q) = s * vkp + c * vkq;
        }
      }
  }
  for (int k = 0; k < 6; ++k) w[k] = a(k, k);
}

}  // namespace

std::array<double, 3> eigenemittances(const Matrix6& cov, double beta_gamma) {
  Matrix6 s = cov;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) s(i, j) *= (i % 2 ? beta_gamma : 1.0) * (j % 2 ? beta_gamma : 1.0);
  // The eigenvalues +-i eps_k of J Sigma are those of K = Sigma^(1/2) J Sigma^(1/2), a real
  // antisymmetric matrix, so eps_k^2 are the eigenvalues (each twice) of the symmetric K^T K.
  // Symmetric eigenproblems keep full accuracy where the characteristic polynomial would not
  // (the planes' emittances differ by orders of magnitude).
  std::array<double, 6> w{};
  Matrix6 v;
  symmetric_eigen(s, w, v);
  Matrix6 root;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      for (int k = 0; k < 6; ++k) root(i, j) += v(i, k) * std::sqrt(std::max(w[k], 0.0)) * v(j, k);
  const Matrix6 kmat = root * symplectic_form() * root;
  symmetric_eigen(kmat.transpose() * kmat, w, v);
  std::sort(w.begin(), w.end());
  std::array<double, 3> eps{};
  for (int k = 0; k < 3; ++k) eps[k] = std::sqrt(std::max(0.5 * (w[2 * k] + w[2 * k + 1]), 0.0));
  return eps;
}

BeamMoments moments_from_covariance(const std::array<double, 6>& mean, const Matrix6& cov, double beta_gamma,
                                    double charge_C) {
  BeamMoments m;
  const double xx = cov(0, 0), xpx = cov(0, 1), pxpx = cov(1, 1), yy = cov(2, 2), ypy = cov(2, 3),
               pypy = cov(3, 3);
  const double tt = cov(4, 4), tpt = cov(4, 5), ptpt = cov(5, 5), xpt = cov(0, 5), pxpt = cov(1, 5),
               ypt = cov(2, 5), pypt = cov(3, 5);
  m.mean_x = mean[0], m.mean_px = mean[1], m.mean_y = mean[2], m.mean_py = mean[3], m.mean_t = mean[4],
  m.mean_pt = mean[5];
  // Without particles there are no extrema.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  m.min_x = m.max_x = m.min_px = m.max_px = m.min_y = m.max_y = nan;
  m.min_py = m.max_py = m.min_t = m.max_t = m.min_pt = m.max_pt = nan;
  m.sigma_x = std::sqrt(xx), m.sigma_px = std::sqrt(pxpx);
  m.sigma_y = std::sqrt(yy), m.sigma_py = std::sqrt(pypy);
  m.sigma_t = std::sqrt(tt), m.sigma_pt = std::sqrt(ptpt);

  const auto emittance = [](double qq, double pp, double qp) {
    return std::sqrt(std::max(qq * pp - qp * qp, 0.0));
  };
  m.emittance_x = emittance(xx, pxpx, xpx);
  m.emittance_y = emittance(yy, pypy, ypy);
  m.emittance_t = emittance(tt, ptpt, tpt);

  // Dispersion and dispersion-corrected Twiss; with no energy spread there is no dispersion.
  if (ptpt > 0.0) {
    m.dispersion_x = -xpt / ptpt, m.dispersion_px = -pxpt / ptpt;
    m.dispersion_y = -ypt / ptpt, m.dispersion_py = -pypt / ptpt;
  }
  const auto twiss = [&](double qq, double pp, double qp, double d, double dp, double& alpha, double& beta) {
    const double qqd = qq - ptpt * d * d, ppd = pp - ptpt * dp * dp, qpd = qp - ptpt * d * dp;
    const double eps = emittance(qqd, ppd, qpd);
    if (eps > 0.0) {
      beta = qqd / eps;
      alpha = -qpd / eps;
    }
  };
  twiss(xx, pxpx, xpx, m.dispersion_x, m.dispersion_px, m.alpha_x, m.beta_x);
  twiss(yy, pypy, ypy, m.dispersion_y, m.dispersion_py, m.alpha_y, m.beta_y);
  if (m.emittance_t > 0.0) {
    m.beta_t = tt / m.emittance_t;
    m.alpha_t = -tpt / m.emittance_t;
  }
  m.emittance_xn = beta_gamma * m.emittance_x, m.emittance_yn = beta_gamma * m.emittance_y;
  m.emittance_tn = beta_gamma * m.emittance_t;
  const auto eigen = eigenemittances(cov, beta_gamma);
  m.emittance_1 = eigen[0], m.emittance_2 = eigen[1], m.emittance_3 = eigen[2];
  m.charge_C = charge_C;
  return m;
}

BeamMoments compute_moments(const Particles& beam, const RefPart& ref) {
  // A beam of zero charge (all weights 0) still has a shape: then every particle counts once.
  bool unit_weights = true;
  for (std::size_t i = 0; i < beam.size() && unit_weights; ++i)
    unit_weights = !(beam.id[i] > 0 && beam.w[i] > 0.0);
  const std::size_t n = beam.size();
  const std::size_t nchunks = (n + kChunk - 1) / kChunk;
  std::vector<FirstPass> first(nchunks);
  const auto nc = static_cast<std::int64_t>(nchunks);
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < nc; ++c) {
    FirstPass& f = first[c];
    const std::size_t end = std::min(n, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) {
      if (beam.id[i] <= 0) continue;
      double v[6];
      coords(beam, i, v);
      const double w = unit_weights ? 1.0 : beam.w[i];
      f.w += w;
      f.q += w * beam.qm[i];
      for (int k = 0; k < 6; ++k) {
        f.sum[k] += w * v[k];
        f.lo[k] = std::min(f.lo[k], v[k]);
        f.hi[k] = std::max(f.hi[k], v[k]);
      }
      ++f.count;
    }
  }
  FirstPass total;
  for (const FirstPass& f : first) {
    total.w += f.w, total.q += f.q, total.count += f.count;
    for (int k = 0; k < 6; ++k) {
      total.sum[k] += f.sum[k];
      total.lo[k] = std::min(total.lo[k], f.lo[k]);
      total.hi[k] = std::max(total.hi[k], f.hi[k]);
    }
  }
  BeamMoments m;
  m.count = total.count;
  if (total.count == 0 || total.w <= 0.0) return m;

  std::array<double, 6> mean{};
  for (int k = 0; k < 6; ++k) mean[k] = total.sum[k] / total.w;

  std::vector<std::array<double, kPairs.size()>> second(nchunks);
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < nc; ++c) {
    auto& s = second[c];
    s.fill(0.0);
    const std::size_t end = std::min(n, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) {
      if (beam.id[i] <= 0) continue;
      double v[6];
      coords(beam, i, v);
      for (int k = 0; k < 6; ++k) v[k] -= mean[k];
      const double w = unit_weights ? 1.0 : beam.w[i];
      for (std::size_t p = 0; p < kPairs.size(); ++p) s[p] += w * v[kPairs[p].first] * v[kPairs[p].second];
    }
  }
  std::array<double, kPairs.size()> mom{};
  for (const auto& s : second)
    for (std::size_t p = 0; p < kPairs.size(); ++p) mom[p] += s[p];
  for (double& v : mom) v /= total.w;
  Matrix6 cov;
  for (std::size_t p = 0; p < kPairs.size(); ++p) {
    cov(kPairs[p].first, kPairs[p].second) = cov(kPairs[p].second, kPairs[p].first) = mom[p];
  }
  m = moments_from_covariance(mean, cov, ref.beta_gamma(), unit_weights ? 0.0 : total.q * ref.mass);
  m.count = total.count;
  m.min_x = total.lo[0], m.max_x = total.hi[0], m.min_px = total.lo[1], m.max_px = total.hi[1];
  m.min_y = total.lo[2], m.max_y = total.hi[2], m.min_py = total.lo[3], m.max_py = total.hi[3];
  m.min_t = total.lo[4], m.max_t = total.hi[4], m.min_pt = total.lo[5], m.max_pt = total.hi[5];
  return m;
}

}  // namespace wakeline
