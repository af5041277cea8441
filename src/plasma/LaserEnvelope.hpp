#pragma once
// Laser envelope solver in r–xi after Benedetti et al., PPCF 60, 014002 (2018) (reference/plasma.md
// 1.7): the complex envelope â of a = Re(â·exp(i k0 (z - c t))) obeys, in units normalized to the
// plasma wavenumber k_p of a reference density n0 (tau = w_p t, zeta = k_p (z - c t), r in 1/k_p),
//
//   [∇⊥² + 2 i (k0/k_p) ∂_tau + 2 ∂²_{zeta tau} - ∂²_tau] â = chi â,   chi = n/(n0 gamma).
//
// Each step marches the xi-slices from the head (xi_max) to the tail (xi_min) and makes one complex
// tridiagonal solve per slice: second order and centred in tau (levels n+1, n, n-1), the mixed
// derivative from a one-sided three-point stencil on the already updated slices ahead, the transverse
// Laplacian and chi averaged over the levels n+1 and n-1 (implicit, no Courant limit). The very first
// step, and any step whose dt differs from the previous one, uses the two-level variant (levels n+1
// and n, ∂²_tau dropped) since level n-1 is missing or belongs to another dt. Details and tests:
// docs/user-guide/laser-envelope.md.
//
// Layout: every field on the grid is one contiguous array indexed j·n_r + k (k: radial cell, fastest;
// j: xi node), i.e. each xi-slice is contiguous in r. chi passed to advance() uses the same layout.
#include <complex>
#include <span>
#include <vector>

#include "plasma/LaserPulse.hpp"

namespace wakeline::plasma {

struct EnvelopeGrid {
  double r_max = 0.0;  // outer edge of the last radial cell, m; cells are centred at (k + 1/2) r_max/n_r
  int n_r = 0;
  double xi_min = 0.0;  // first xi node (tail), m
  double xi_max = 0.0;  // last xi node (head), m
  int n_xi = 0;         // number of xi nodes, spacing (xi_max - xi_min)/(n_xi - 1)
};

// Outer radial boundary. zero: â = 0 in the ghost cell centred at r_max + dr/2 (a conducting wall; the
// pulse must stay well inside). zero_gradient: ∂_r â = 0 at r_max (ghost equals the last cell).
enum class RadialBoundary { zero, zero_gradient };

struct EnvelopeOptions {
  // Factor the on-axis phase differences between neighbouring slices out of the xi-derivative
  // (Benedetti's "use_phase"), so that a phase that winds quickly along xi (frequency shifts in
  // plasma) does not need Δxi ≪ its wavelength.
  bool use_phase = true;
  RadialBoundary boundary = RadialBoundary::zero;
};

class LaserEnvelope {
 public:
  // lambda0: laser wavelength, m. n0: reference density, m^-3 (sets k_p, the unit of the normalized
  // equation and of chi; in vacuum any nominal value works, it is only a length unit).
  LaserEnvelope(const EnvelopeGrid& grid, double lambda0, double n0, EnvelopeOptions options = {});

  // Sets â to the pulse's analytic envelope at propagation distance z (m) and restarts the time levels.
  void initialize(const LaserPulse& pulse, double z);
  // Same from an envelope given on the grid (layout above), e.g. read from a file; <a²> uses pol.
  void initialize(std::span<const std::complex<double>> a_hat, Polarization pol, double z);

  // One step of dt (s). chi: n/(n0 gamma) on the grid (layout above), or empty for vacuum.
  void advance(double dt, std::span<const double> chi = {});

  // Grid.
  [[nodiscard]] int n_r() const { return n_r_; }
  [[nodiscard]] int n_xi() const { return n_xi_; }
  [[nodiscard]] double dr() const { return dr_; }    // m
  [[nodiscard]] double dxi() const { return dxi_; }  // m
  [[nodiscard]] double r(int k) const { return (k + 0.5) * dr_; }
  [[nodiscard]] double xi(int j) const { return xi_min_ + j * dxi_; }
  [[nodiscard]] double kp() const { return kp_; }  // 1/m
  [[nodiscard]] double z() const { return z_; }    // propagation distance, m
  [[nodiscard]] long steps() const { return steps_; }
  [[nodiscard]] Polarization polarization() const { return polarization_; }
  [[nodiscard]] const EnvelopeOptions& options() const { return options_; }

  // Values at grid points. a2 is <a²> (polarization factor applied); da2_dr is ∂_r<a²> in 1/m.
  [[nodiscard]] std::complex<double> a_hat(int k, int j) const { return cur_[idx(k, j)]; }
  [[nodiscard]] double abs2(int k, int j) const { return std::norm(cur_[idx(k, j)]); }
  [[nodiscard]] double a2(int k, int j) const { return pol_factor_ * abs2(k, j); }
  [[nodiscard]] double da2_dr(int k, int j) const;
  [[nodiscard]] std::span<const std::complex<double>> a_hat() const { return cur_; }

  // Whole fields into caller arrays of n_r·n_xi values (layout above).
  void fill_a2(std::span<double> out) const;
  void fill_da2_dr(std::span<double> out) const;

  // Bilinear gathers at (r, xi) in m: even in r below the first cell centre (â, <a²>), odd for
  // ∂_r<a²>; zero outside [xi_min, xi_max] and beyond the outer ghost cell.
  [[nodiscard]] std::complex<double> gather_a_hat(double r, double xi) const;
  [[nodiscard]] double gather_a2(double r, double xi) const;
  [[nodiscard]] double gather_da2_dr(double r, double xi) const;

  // ∫|â|² r dr dxi over the grid, m² (conserved in vacuum up to O(1/(k0 L)²) and truncation).
  [[nodiscard]] double energy() const;

 private:
  [[nodiscard]] std::size_t idx(int k, int j) const {
    return static_cast<std::size_t>(j) * static_cast<std::size_t>(n_r_) + static_cast<std::size_t>(k);
  }
  // Ghost value beyond the last cell for a field whose last-cell value is v.
  template <class T>
  [[nodiscard]] T outer_ghost(T v) const {
    return options_.boundary == RadialBoundary::zero ? T{} : v;
  }
  template <class F>
  [[nodiscard]] auto bilinear(double r, double xi, bool odd_in_r, F&& value) const;

  int n_r_, n_xi_;
  double xi_min_, dr_, dxi_;
  double kp_, k0n_;   // k_p (1/m) and k0/k_p
  double drn_, dzn_;  // normalized Δr and Δzeta
  EnvelopeOptions options_;
  Polarization polarization_ = Polarization::linear;
  double pol_factor_ = 0.5;
  double z_ = 0.0;
  long steps_ = 0;
  double last_dtau_ = 0.0;

  std::vector<std::complex<double>> prev_, cur_, next_;  // levels n-1, n, n+1
  std::vector<double> lo_, up_;  // Laplacian stencil: lo·a_{k-1} + up·a_{k+1} - (lo+up)·a_k
  // Thomas elimination of every slice's matrix: 1/denominator and c' (grid layout), and the
  // per-slice scalars of the equation (diagonal shift G and the weights of the slices ahead).
  std::vector<std::complex<double>> inv_, cprime_;
  std::vector<std::complex<double>> slice_G_, slice_g1_, slice_g2_;
  std::vector<std::complex<double>> zero_slice_;   // stands for the slices ahead of the head
  std::vector<double> zero_chi_;                   // chi in vacuum
  std::vector<double> q_re_, q_im_, m_re_, m_im_;  // one slice of rhs/denom and lo/denom
  bool factor_valid_ = false;  // inv_/cprime_ hold the vacuum, no-phase matrices of factor_dtau_
  double factor_dtau_ = 0.0;
  bool factor_centred_ = false;
};

}  // namespace wakeline::plasma
