#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "core/Matrix6.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"

namespace wakeline {

// Reduced beam characteristics with ImpactX's names and definitions (weighted by w, centred):
// rms sizes, unnormalised rms emittances, Twiss after dispersion removal, D = -<x pt>/<pt^2>.
// Unlike ImpactX's ASCII file, min_p* and max_p* hold real minima and maxima.
struct BeamMoments {
  std::size_t count = 0;
  double mean_x = 0, min_x = 0, max_x = 0, mean_y = 0, min_y = 0, max_y = 0, mean_t = 0, min_t = 0, max_t = 0;
  double sigma_x = 0, sigma_y = 0, sigma_t = 0;
  double mean_px = 0, min_px = 0, max_px = 0, mean_py = 0, min_py = 0, max_py = 0, mean_pt = 0, min_pt = 0,
         max_pt = 0;
  double sigma_px = 0, sigma_py = 0, sigma_pt = 0;
  double emittance_x = 0, emittance_y = 0, emittance_t = 0;
  double alpha_x = 0, alpha_y = 0, alpha_t = 0;
  double beta_x = 0, beta_y = 0, beta_t = 0;
  double dispersion_x = 0, dispersion_px = 0, dispersion_y = 0, dispersion_py = 0;
  double emittance_xn = 0, emittance_yn = 0, emittance_tn = 0;
  // Normalised eigenemittances (m) of the full 6x6 covariance, ascending; invariant under any
  // linear symplectic map, coupled or not (diag.eigenemittances).
  double emittance_1 = 0, emittance_2 = 0, emittance_3 = 0;
  double charge_C = 0;

  // (name, value) in ImpactX's column order, from mean_x to charge_C.
  [[nodiscard]] std::vector<std::pair<std::string, double>> named_values(
      bool with_eigenemittances = false) const;
};

// Computes the moments of the particles with id > 0. The sums run over fixed-size chunks that
// are combined in order, so the result does not depend on the number of threads.
BeamMoments compute_moments(const Particles& beam, const RefPart& ref);

// Normalised eigenemittances of a covariance matrix of (x, px, y, py, t, pt): the moduli of the
// eigenvalues of Sigma_n J, Sigma_n having the momentum rows and columns scaled by beta*gamma
// (the invariants of Dragt et al., PRA 45, 2572 (1992)); ascending.
std::array<double, 3> eigenemittances(const Matrix6& cov, double beta_gamma);

// The same characteristics from a mean vector and a covariance matrix (x, px, y, py, t, pt),
// e.g. of an envelope. Extrema are unknown there: NaN. charge_C is passed through.
BeamMoments moments_from_covariance(const std::array<double, 6>& mean, const Matrix6& cov, double beta_gamma,
                                    double charge_C);

}  // namespace wakeline
