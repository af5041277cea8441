#include "plasma/LaserEnvelope.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::plasma {

namespace {

using cd = std::complex<double>;

// Phase difference brought into (-pi, pi]: the on-axis phase is unwrapped slice by slice.
double wrap(double x) { return x - 2.0 * constants::pi * std::nearbyint(x / (2.0 * constants::pi)); }

}  // namespace

LaserEnvelope::LaserEnvelope(const EnvelopeGrid& g, double lambda0, double n0, EnvelopeOptions options)
    : n_r_(g.n_r), n_xi_(g.n_xi), xi_min_(g.xi_min), options_(options) {
  if (g.n_r < 2) throw InputError("n_r", "", "the laser grid needs at least 2 radial cells");
  if (g.n_xi < 3) throw InputError("n_xi", "", "the laser grid needs at least 3 xi nodes");
  if (!(g.r_max > 0.0)) throw InputError("r_max", "", "must be positive");
  if (!(g.xi_max > g.xi_min)) throw InputError("xi_max", "", "must be larger than xi_min");
  if (!(lambda0 > 0.0)) throw InputError("l_0", "", "the laser wavelength must be positive");
  if (!(n0 > 0.0)) throw InputError("n0", "", "the reference density must be positive");
  dr_ = g.r_max / g.n_r;
  dxi_ = (g.xi_max - g.xi_min) / (g.n_xi - 1);
  using namespace constants;
  kp_ = std::sqrt(n0 * q_e * q_e / (epsilon0 * m_e)) / c;
  k0n_ = 2.0 * pi / lambda0 / kp_;
  drn_ = dr_ * kp_;
  dzn_ = dxi_ * kp_;

  const std::size_t n = static_cast<std::size_t>(n_r_) * static_cast<std::size_t>(n_xi_);
  prev_.assign(n, cd{});
  cur_.assign(n, cd{});
  next_.assign(n, cd{});
  // (1/r) d/dr (r da/dr) on cell centres r_k = (k+1/2) Δr with faces at k Δr and (k+1) Δr: the face
  // at r = 0 has zero area, which is the regularity (mirror) condition on the axis.
  lo_.resize(static_cast<std::size_t>(n_r_));
  up_.resize(static_cast<std::size_t>(n_r_));
  for (int k = 0; k < n_r_; ++k) {
    lo_[k] = k / ((k + 0.5) * drn_ * drn_);
    up_[k] = (k + 1.0) / ((k + 0.5) * drn_ * drn_);
  }
  inv_.assign(n, cd{});
  cprime_.assign(n, cd{});
  slice_G_.assign(static_cast<std::size_t>(n_xi_), cd{});
  zero_slice_.assign(static_cast<std::size_t>(n_r_), cd{});
  zero_chi_.assign(static_cast<std::size_t>(n_r_), 0.0);
  for (auto* v : {&q_re_, &q_im_, &m_re_, &m_im_}) v->assign(static_cast<std::size_t>(n_r_), 0.0);
  slice_g1_.assign(static_cast<std::size_t>(n_xi_), cd{});
  slice_g2_.assign(static_cast<std::size_t>(n_xi_), cd{});
}

void LaserEnvelope::initialize(const LaserPulse& pulse, double z) {
  pulse.validate();
  polarization_ = pulse.polarization;
  pol_factor_ = polarization_factor(polarization_);
  for (int j = 0; j < n_xi_; ++j)
    for (int k = 0; k < n_r_; ++k) cur_[idx(k, j)] = pulse.envelope(r(k), xi(j), z);
  std::fill(prev_.begin(), prev_.end(), cd{});
  z_ = z;
  steps_ = 0;
  last_dtau_ = 0.0;
}

void LaserEnvelope::initialize(std::span<const std::complex<double>> a_hat, Polarization pol, double z) {
  if (a_hat.size() != cur_.size())
    throw InputError("a_hat", "",
                     "expected " + std::to_string(cur_.size()) + " values (n_r·n_xi), got " +
                         std::to_string(a_hat.size()));
  polarization_ = pol;
  pol_factor_ = polarization_factor(pol);
  std::copy(a_hat.begin(), a_hat.end(), cur_.begin());
  std::fill(prev_.begin(), prev_.end(), cd{});
  z_ = z;
  steps_ = 0;
  last_dtau_ = 0.0;
}

void LaserEnvelope::advance(double dt, std::span<const double> chi) {
  const std::size_t n = cur_.size();
  if (!chi.empty() && chi.size() != n)
    throw InputError(
        "chi", "", "expected " + std::to_string(n) + " values (n_r·n_xi), got " + std::to_string(chi.size()));
  if (!(dt > 0.0)) throw InputError("dt", "", "the laser time step must be positive");
  const double dtau = kp_ * constants::c * dt;
  // The three-level scheme needs equal steps; after the first step or a change of dt, restart with
  // the two-level one (level n plays the role of n-1 and the ∂²_tau term is dropped).
  const bool centred = steps_ > 0 && std::abs(dtau - last_dtau_) <= 1e-12 * dtau;
  const double T = centred ? 2.0 * dtau : dtau;           // span of the tau difference (X - a_old)/T
  const double s2 = centred ? 2.0 / (dtau * dtau) : 0.0;  // weight of ∂²_tau (times 2, see below)
  const std::vector<cd>& old = centred ? prev_ : cur_;
  const cd ik0(0.0, k0n_);
  const double inv_dz = 1.0 / dzn_;
  const int nr = n_r_;
  const bool zero_wall = options_.boundary == RadialBoundary::zero;

  // Equation (times 2) for X = â^{n+1} on slice j, d = X - a_old:
  //   ∇²X + [(4/T)(i k0 + δ_jj) - chi - s2] X
  //     = -∇²a_old + chi a_old + (4/T)(i k0 + δ_jj) a_old - g1 d_{j+1} - g2 d_{j+2} - s2 (2 a^n - a_old)
  // with ∂_zeta d_j ≈ δ_jj d_j + (2/Δζ) e1 d_{j+1} - (1/(2Δζ)) e2 d_{j+2} (one-sided, second order) and
  // e1, e2 = 1 without phase factoring.
  //
  // 1. Per-slice coefficients. They use level n only, so they are known before the march.
  for (int j = n_xi_ - 1; j >= 0; --j) {
    const std::size_t base = static_cast<std::size_t>(j) * nr;
    const bool has1 = j + 1 < n_xi_, has2 = j + 2 < n_xi_;
    cd e1 = 1.0, e2 = 1.0;
    double D = 0.0;
    if (options_.use_phase && has1) {
      // d/dzeta of f = e^{iθ} [d/dzeta (f e^{-iθ}) + i θ' f e^{-iθ}], θ the on-axis phase of level n
      // (any smooth θ keeps the stencil consistent; the actual phase makes f e^{-iθ} slowly varying).
      const double th0 = std::arg(cur_[base]);
      const double dth1 = wrap(std::arg(cur_[base + nr]) - th0);
      const double dth2 = has2 ? dth1 + wrap(std::arg(cur_[base + 2 * nr]) - std::arg(cur_[base + nr])) : 0.0;
      e1 = std::polar(1.0, -dth1);
      e2 = std::polar(1.0, -dth2);
      // θ'(zeta_j) from the same one-sided stencil, (-3θ_j + 4θ_{j+1} - θ_{j+2})/(2Δζ), dth2 being
      // θ_{j+2} - θ_j; next to the head, where only θ_{j+1} exists, a first-order difference.
      D = has2 ? (2.0 * dth1 - 0.5 * dth2) * inv_dz : dth1 * inv_dz;
    }
    const cd djj(-1.5 * inv_dz, D);
    slice_G_[j] = (4.0 / T) * (ik0 + djj);
    slice_g1_[j] = (4.0 / T) * (2.0 * inv_dz) * e1;
    slice_g2_[j] = (4.0 / T) * (-0.5 * inv_dz) * e2;
  }

  // 2. Forward elimination of the matrices (Thomas: denominators and c'_k = up_k/denom_k). The
  // matrices do not depend on the solution, so the slices are independent here; four are eliminated
  // side by side to overlap the latency of the division chains. In vacuum without phase factoring
  // the matrices repeat from step to step and are kept.
  const bool reusable = chi.empty() && !options_.use_phase;
  if (!(reusable && factor_valid_ && factor_dtau_ == dtau && factor_centred_ == centred)) {
    for (int j0 = 0; j0 < n_xi_; j0 += 4) {
      constexpr int B = 4;
      const int nb = std::min(B, n_xi_ - j0);
      double G_re[B], G_im[B], pc_re[B] = {}, pc_im[B] = {};
      const double* ch[B];
      for (int b = 0; b < B; ++b) {
        const int j = j0 + std::min(b, nb - 1);  // a short last block repeats its last slice
        G_re[b] = slice_G_[j].real() - s2;
        G_im[b] = slice_G_[j].imag();
        ch[b] = chi.empty() ? nullptr : chi.data() + static_cast<std::size_t>(j) * nr;
      }
      for (int k = 0; k < nr; ++k) {
        const double lo = lo_[k], up = up_[k];
        const double lap_diag = (k == nr - 1 && !zero_wall) ? -lo : -(lo + up);
        for (int b = 0; b < B; ++b) {
          const double den_re = lap_diag + G_re[b] - (ch[b] ? ch[b][k] : 0.0) - lo * pc_re[b];
          const double den_im = G_im[b] - lo * pc_im[b];
          const double inv_n = 1.0 / (den_re * den_re + den_im * den_im);
          const double inv_re = den_re * inv_n, inv_im = -den_im * inv_n;
          pc_re[b] = up * inv_re;
          pc_im[b] = up * inv_im;
          if (b < nb) {
            const std::size_t i = static_cast<std::size_t>(j0 + b) * nr + k;
            inv_[i] = cd(inv_re, inv_im);
            cprime_[i] = cd(pc_re[b], pc_im[b]);
          }
        }
      }
    }
    factor_valid_ = reusable;
    factor_dtau_ = dtau;
    factor_centred_ = centred;
  }

  // 3. March from the head to the tail: right-hand side, d'_k = (rhs_k - lo_k d'_{k-1})/denom_k,
  // back substitution. The complex arithmetic is spelled out on real and imaginary parts: the
  // operators of std::complex carry the C99 inf/NaN recovery (a library call per product without
  // -ffast-math), several times slower.
  for (int j = n_xi_ - 1; j >= 0; --j) {
    const std::size_t base = static_cast<std::size_t>(j) * nr;
    const bool has1 = j + 1 < n_xi_, has2 = j + 2 < n_xi_;
    const cd G = slice_G_[j], g1 = slice_g1_[j], g2 = slice_g2_[j];
    const cd* o = old.data() + base;
    const cd* an = cur_.data() + base;
    // Slices beyond the head and a vacuum chi read from zero buffers, so the loop has no branches.
    const cd* x1 = has1 ? next_.data() + base + nr : zero_slice_.data();
    const cd* o1 = has1 ? old.data() + base + nr : zero_slice_.data();
    const cd* x2 = has2 ? next_.data() + base + 2 * nr : zero_slice_.data();
    const cd* o2 = has2 ? old.data() + base + 2 * nr : zero_slice_.data();
    const double* ch = chi.empty() ? zero_chi_.data() : chi.data() + base;
    const cd* inv = inv_.data() + base;
    const cd* cp = cprime_.data() + base;
    cd* x = next_.data() + base;
    const double G_re = G.real(), G_im = G.imag();

    // q_k = rhs_k/denom_k and m_k = lo_k/denom_k, so that the recurrence d'_k = q_k - m_k d'_{k-1}
    // carries a single complex multiply-add. a_old[k-1] and a_old[k+1] come from the mirror (zero
    // face area at the axis) and the outer ghost at the two ends.
    // Local restrict pointers: the scratch arrays alias nothing, which lets the compiler vectorize.
    double* __restrict qr = q_re_.data();
    double* __restrict qi = q_im_.data();
    double* __restrict mr = m_re_.data();
    double* __restrict mi = m_im_.data();
    const double* __restrict lov = lo_.data();
    const double* __restrict upv = up_.data();
    auto assemble = [&](int k, cd om, cd op) {
      const double lo = lov[k], up = upv[k];
      const double chik = ch[k];
      const double ok_re = o[k].real(), ok_im = o[k].imag();
      // -∇²a_old + (chi + G) a_old - s2 (2 a^n - a_old) - g1 d_{j+1} - g2 d_{j+2}
      const double d1_re = x1[k].real() - o1[k].real(), d1_im = x1[k].imag() - o1[k].imag();
      const double d2_re = x2[k].real() - o2[k].real(), d2_im = x2[k].imag() - o2[k].imag();
      const double r_re = -(lo * om.real() - (lo + up) * ok_re + up * op.real()) + (chik + G_re) * ok_re -
                          G_im * ok_im - s2 * (2.0 * an[k].real() - ok_re) -
                          (g1.real() * d1_re - g1.imag() * d1_im) - (g2.real() * d2_re - g2.imag() * d2_im);
      const double r_im = -(lo * om.imag() - (lo + up) * ok_im + up * op.imag()) + (chik + G_re) * ok_im +
                          G_im * ok_re - s2 * (2.0 * an[k].imag() - ok_im) -
                          (g1.real() * d1_im + g1.imag() * d1_re) - (g2.real() * d2_im + g2.imag() * d2_re);
      const double inv_re = inv[k].real(), inv_im = inv[k].imag();
      qr[k] = r_re * inv_re - r_im * inv_im;
      qi[k] = r_re * inv_im + r_im * inv_re;
      mr[k] = lo * inv_re;
      mi[k] = lo * inv_im;
    };
    assemble(0, cd{}, o[1]);
    for (int k = 1; k < nr - 1; ++k) assemble(k, o[k - 1], o[k + 1]);
    assemble(nr - 1, o[nr - 2], zero_wall ? cd{} : o[nr - 1]);

    double pd_re = 0.0, pd_im = 0.0;
    for (int k = 0; k < nr; ++k) {
      const double p_re = pd_re;
      pd_re = qr[k] - (mr[k] * p_re - mi[k] * pd_im);
      pd_im = qi[k] - (mr[k] * pd_im + mi[k] * p_re);
      x[k] = cd(pd_re, pd_im);  // d'_k, overwritten by the back substitution
    }
    for (int k = nr - 2; k >= 0; --k) {
      const cd c = cp[k], xn = x[k + 1];
      x[k] = cd(x[k].real() - (c.real() * xn.real() - c.imag() * xn.imag()),
                x[k].imag() - (c.real() * xn.imag() + c.imag() * xn.real()));
    }
  }

  // Rotate the levels: n -> n-1, n+1 -> n. Swapping keeps the buffers, no allocation per step.
  std::swap(prev_, cur_);
  std::swap(cur_, next_);
  last_dtau_ = dtau;
  z_ += constants::c * dt;
  ++steps_;
}

double LaserEnvelope::da2_dr(int k, int j) const {
  // Centred difference with the mirror ghost at the axis and the boundary ghost outside.
  const double fm = k > 0 ? abs2(k - 1, j) : abs2(0, j);
  const double fp = k + 1 < n_r_ ? abs2(k + 1, j) : outer_ghost(abs2(k, j));
  return pol_factor_ * (fp - fm) / (2.0 * dr_);
}

void LaserEnvelope::fill_a2(std::span<double> out) const {
  if (out.size() != cur_.size()) throw InputError("a2", "", "output array must hold n_r·n_xi values");
  for (std::size_t i = 0; i < cur_.size(); ++i) out[i] = pol_factor_ * std::norm(cur_[i]);
}

void LaserEnvelope::fill_da2_dr(std::span<double> out) const {
  if (out.size() != cur_.size()) throw InputError("da2_dr", "", "output array must hold n_r·n_xi values");
  for (int j = 0; j < n_xi_; ++j)
    for (int k = 0; k < n_r_; ++k) out[idx(k, j)] = da2_dr(k, j);
}

template <class F>
auto LaserEnvelope::bilinear(double r, double xi, bool odd_in_r, F&& value) const {
  using V = decltype(value(0, 0));
  const double fj = (xi - xi_min_) / dxi_;
  if (!(fj >= 0.0) || fj > n_xi_ - 1) return V{};
  const int j0 = std::min(static_cast<int>(fj), n_xi_ - 2);
  const double wj = fj - j0;
  const double ar = std::abs(r);
  const double fr = ar / dr_ - 0.5;
  auto radial = [&](int j) -> V {
    if (fr < 0.0) {
      // Between the mirror image at -r_0 and r_0: even fields are flat, odd ones linear through 0.
      const V v0 = value(0, j);
      return odd_in_r ? v0 * (ar / (0.5 * dr_)) : v0;
    }
    const int k0 = static_cast<int>(fr);
    const double w = fr - k0;
    if (k0 >= n_r_) return V{};
    const V v0 = value(k0, j);
    const V v1 = k0 + 1 < n_r_ ? value(k0 + 1, j) : outer_ghost(v0);
    return v0 * (1.0 - w) + v1 * w;
  };
  const V v = radial(j0) * (1.0 - wj) + radial(j0 + 1) * wj;
  return (odd_in_r && r < 0.0) ? V{} - v : v;
}

cd LaserEnvelope::gather_a_hat(double r, double xi) const {
  return bilinear(r, xi, false, [this](int k, int j) { return a_hat(k, j); });
}

double LaserEnvelope::gather_a2(double r, double xi) const {
  return bilinear(r, xi, false, [this](int k, int j) { return a2(k, j); });
}

double LaserEnvelope::gather_da2_dr(double r, double xi) const {
  return bilinear(r, xi, true, [this](int k, int j) { return da2_dr(k, j); });
}

double LaserEnvelope::energy() const {
  double sum = 0.0;
  for (int j = 0; j < n_xi_; ++j)
    for (int k = 0; k < n_r_; ++k) sum += std::norm(cur_[idx(k, j)]) * r(k);
  return sum * dr_ * dxi_;
}

}  // namespace wakeline::plasma
