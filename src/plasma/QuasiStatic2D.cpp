// Gridless quasi-static r-z solver; model and equations in docs/user-guide/quasistatic-2d.md.
#include "plasma/QuasiStatic2D.hpp"

#include <algorithm>
#include <cmath>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "core/VectorMath.hpp"

namespace wakeline::plasma {

namespace {

// Antiderivative of r ln r; F(0) = 0 (the limit), which the axis annulus needs.
inline double F(double x) { return x > 0 ? 0.5 * x * x * std::log(x) - 0.25 * x * x : 0.0; }

// Adams-Bashforth 5 weights, newest first.
constexpr double kAB5[5] = {1901.0 / 720.0, -2774.0 / 720.0, 2616.0 / 720.0, -1274.0 / 720.0, 251.0 / 720.0};

// Guard of the Wake-T model: keep the sheet fields bounded where sheets bunch up at the back of a bubble
// (the model itself is then no longer valid). The psi guards are in the config.
constexpr double kFieldClip = 3.0;

// Radii in 1/r terms: a sheet can sit exactly on the axis only by accident; keep the result finite.
constexpr double kTinyR = 1e-12;

// Linear interpolation on one slice of cell-centred data; parity +1 for fields even in r (mirror value
// f(-r) = f(r)), -1 for odd ones (f(-r) = -f(r)). Beyond the last centre even fields are held, odd
// fields fall as 1/r (both beam B_theta and the laser gradient decay there).
inline double interp_r(const double* f, int n_r, double dr, double R, int parity) {
  const double u = R / dr - 0.5;
  if (u < 0) return parity > 0 ? f[0] : f[0] * R / (0.5 * dr);
  const int k = static_cast<int>(u);
  if (k >= n_r - 1) {
    const double r_last = (n_r - 0.5) * dr;
    return parity > 0 ? f[n_r - 1] : f[n_r - 1] * r_last / R;
  }
  const double w = u - k;
  return (1 - w) * f[k] + w * f[k + 1];
}

}  // namespace

PlasmaUnits::PlasmaUnits(double density_m3) : n_p(density_m3) {
  require_input(density_m3 > 0, "n_p", "plasma density must be > 0 (m^-3)");
  omega_p = std::sqrt(n_p * constants::q_e * constants::q_e / (constants::epsilon0 * constants::m_e));
  k_p = omega_p / constants::c;
  E0 = constants::m_e * constants::c * omega_p / constants::q_e;
  B0 = E0 / constants::c;
}

QuasiStatic2D::QuasiStatic2D(const QuasiStatic2DConfig& config) : cfg_(config) {
  require_input(cfg_.n_r >= 2, "n_r", "need at least 2 radial cells");
  require_input(cfg_.n_xi >= 2, "n_xi", "need at least 2 xi nodes");
  require_input(cfg_.r_max > 0, "r_max", "must be > 0");
  require_input(cfg_.xi_max > cfg_.xi_min, "xi_max", "must be larger than xi_min");
  require_input(cfg_.ppc >= 1, "ppc", "need at least one sheet per radial cell");
  require_input(cfg_.max_gamma > 1, "max_gamma", "must be > 1");
  require_input(cfg_.psi_min > -1 && cfg_.psi_min <= 0, "psi_min", "must be in (-1, 0]");
  require_input(cfg_.psi_max >= 0, "psi_max", "must be >= 0");
  dr_ = cfg_.r_max / cfg_.n_r;
  dxi_ = (cfg_.xi_max - cfg_.xi_min) / (cfg_.n_xi - 1);
  h_ = dr_ / cfg_.ppc;
  const double r_pl_req = cfg_.r_max_plasma > 0 ? cfg_.r_max_plasma : cfg_.r_max;
  n_sheets_ = std::max(1, static_cast<int>(std::lround(r_pl_req / h_)));
  r_pl_ = n_sheets_ * h_;  // plasma edge on a sheet boundary, so ions and sheets hold the same charge
  require_input(cfg_.parabolic_coefficient * r_pl_ * r_pl_ > -1, "parabolic_coefficient",
                "gives a negative density inside the plasma radius");

  const std::size_t N = n_sheets_;
  for (auto* v : {&r_, &p_, &q_, &r0_, &tr_, &tp_}) v->assign(N, 0.0);
  for (auto* v : {&sr_,  &sp_,    &sq_,     &sa_,     &sb_,     &sn_,     &sFa_,  &sFb_,
                  &sM_,  &spsi_,  &sdrpsi_, &sdzpsi_, &sgam_,   &sa2_,    &sda2_, &sbb_,
                  &sbt_, &sflux_, &shom_a_, &shom_b_, &spar_a_, &spar_b_, &slnr_})
    v->assign(N, 0.0);
  for (auto* v : {&sQcum_, &sMcum_, &sfluxcum_}) v->assign(N + 1, 0.0);
  for (auto& v : k_r_) v.assign(N, 0.0);
  for (auto& v : k_p_) v.assign(N, 0.0);
  for (auto& v : hist_r_) v.assign(N, 0.0);
  for (auto& v : hist_p_) v.assign(N, 0.0);
  order_.resize(N);
  seg_scale_.reserve(64);
  seg_beta_.reserve(64);
  seg_start_.reserve(64);
  const std::size_t G = static_cast<std::size_t>(cfg_.n_r) * cfg_.n_xi;
  for (auto* v : {&psi_, &ez_, &wr_, &bt_, &bt_beam_, &er_, &n_, &chi_, &src_a2_, &src_da2_})
    v->assign(G, 0.0);
  for (auto* v : {&out_.r, &out_.p, &out_.q, &out_.psi, &out_.gamma, &out_.pz}) v->assign(N, 0.0);
  init_sheets();
  // Cell volumes (per 2 pi) for the sheet density: the linear-shape deposit of the undisturbed sheet
  // lattice for unit density where the lattice covers the cell's shape, the continuous value elsewhere
  // (r_k dr; 13/24 dr^2 on axis, where the mirrored half of the shape folds in).
  vol_.assign(cfg_.n_r, 0.0);
  lnr_grid_.assign(cfg_.n_r, 0.0);
  for (int k = 0; k < cfg_.n_r; ++k) lnr_grid_[k] = std::log(r(k));
  for (int k = 0; k < cfg_.n_r; ++k) vol_[k] = k == 0 ? (13.0 / 24.0) * dr_ * dr_ : r(k) * dr_;
  std::vector<double> lattice(cfg_.n_r, 0.0);
  for (int i = 0; i < n_sheets_; ++i) {
    const double u = r0_[i] / dr_ - 0.5, w = h_ * r0_[i];
    if (u < 0) {
      lattice[0] += w;
      continue;
    }
    const int k = static_cast<int>(u);
    if (k < cfg_.n_r) lattice[k] += (1 - (u - k)) * w;
    if (k + 1 < cfg_.n_r) lattice[k + 1] += (u - k) * w;
  }
  for (int k = 0; k < cfg_.n_r; ++k)
    if (r(k) + dr_ <= r_pl_) vol_[k] = lattice[k];
}

void QuasiStatic2D::init_sheets() {
  const double c = cfg_.parabolic_coefficient;
  for (int i = 0; i < n_sheets_; ++i) {
    const double a = i * h_, b = (i + 1) * h_;
    r_[i] = r0_[i] = (i + 0.5) * h_;
    p_[i] = 0;
    // Exact integral of n(r) r dr over the sheet's cell (Wake-T uses the mid-point value
    // h r_i (1 + c r_i^2)); equal for c = 0, and with it the sheets hold exactly the ion charge.
    q_[i] = 0.5 * (b * b - a * a) + 0.25 * c * (b * b * b * b - a * a * a * a);
    order_[i] = i;
  }
  for (auto& v : hist_r_) std::fill(v.begin(), v.end(), 0.0);
  for (auto& v : hist_p_) std::fill(v.begin(), v.end(), 0.0);
}

double QuasiStatic2D::ion_Q(double R) const {
  const double c = cfg_.parabolic_coefficient;
  const double x = std::min(R, r_pl_);
  return 0.5 * x * x + 0.25 * c * x * x * x * x;
}

// Integral of n_ion(r') r' ln(R / r') dr' from 0 to R (the ion part of psi up to its sign).
double QuasiStatic2D::ion_Psi(double R) const {
  const double c = cfg_.parabolic_coefficient;
  const double x = std::min(R, r_pl_);
  const double inside = 0.25 * x * x + c * x * x * x * x / 16.0;
  return R > r_pl_ ? inside + ion_Q(r_pl_) * std::log(R / r_pl_) : inside;
}

void QuasiStatic2D::sort_sheets(const double* rs) {
  // Insertion sort of the permutation: sheets rarely cross, so this is O(N) almost always.
  int* o = order_.data();
  const int N = n_sheets_;
  for (int i = 1; i < N; ++i) {
    const int id = o[i];
    const double ri = std::abs(rs[id]);
    int m = i - 1;
    while (m >= 0 && std::abs(rs[o[m]]) > ri) {
      o[m + 1] = o[m];
      --m;
    }
    o[m + 1] = id;
  }
}

void QuasiStatic2D::prepare_sources(const std::vector<double>& rho_beam, const std::vector<double>& a2,
                                    const std::vector<double>& dr_a2) {
  const int nr = cfg_.n_r, nx = cfg_.n_xi;
  const std::size_t G = static_cast<std::size_t>(nr) * nx;
  require_input(rho_beam.empty() || rho_beam.size() == G, "rho_beam", "size must be n_xi * n_r");
  require_input(a2.empty() || a2.size() == G, "a2", "size must be n_xi * n_r");
  require_input(dr_a2.empty() || dr_a2.size() == G, "dr_a2", "size must be n_xi * n_r");
  // b_theta^beam(r_k) r_k = beam charge (per 2 pi) enclosed by r_k. rho_beam is a deposit_beam() density,
  // so the cell charges are rho times the volumes it was divided by (beam_volume(), 13/24 dr^2 on axis):
  // converting back with any other volume would lose or add charge at every radius outside. The own
  // cell counts by the part of a uniform annulus below r_k, 1/2 - dr/(8 r_k) of it (1/4 on axis), which
  // is exact for a uniform density and leaves the total charge untouched beyond the beam.
  for (int j = 0; j < nx; ++j) {
    double* out = bt_beam_.data() + index(j, 0);
    if (rho_beam.empty()) {
      std::fill(out, out + nr, 0.0);
      continue;
    }
    const double* rho = rho_beam.data() + index(j, 0);
    double cum = 0;
    for (int k = 0; k < nr; ++k) {
      const double cell = rho[k] * beam_volume(k);
      out[k] = (cum + (0.5 - dr_ / (8 * r(k))) * cell) / r(k);
      cum += cell;
    }
  }
  have_laser_ = !a2.empty();
  if (have_laser_) {
    src_a2_ = a2;
    if (!dr_a2.empty()) {
      src_da2_ = dr_a2;
    } else {
      // Centred differences; the axis cell uses the mirror value (even field), the outer cell one-sided.
      for (int j = 0; j < nx; ++j) {
        const double* f = a2.data() + index(j, 0);
        double* d = src_da2_.data() + index(j, 0);
        for (int k = 0; k < nr; ++k) {
          const double lo = k > 0 ? f[k - 1] : f[0];
          const double hi = k < nr - 1 ? f[k + 1] : f[k];
          const double span = (k > 0 && k < nr - 1) ? 2 * dr_ : (k == 0 ? 2 * dr_ : dr_);
          d[k] = (hi - lo) / span;
        }
      }
    }
  } else {
    std::fill(src_a2_.begin(), src_a2_.end(), 0.0);
    std::fill(src_da2_.begin(), src_da2_.end(), 0.0);
  }
}

void QuasiStatic2D::evaluate(const double* rs, double* p, int j_hi, double frac, double* drdz, double* dpdz,
                             int j_out) {
  const int N = n_sheets_;
  const int nr = cfg_.n_r;
  const double h2 = 0.5 * h_;
  sort_sheets(rs);

  // Sources at the sheets, blended between slice j_hi and j_hi - 1 for intermediate RK stages.
  const int j_lo = std::max(j_hi - 1, 0);
  const double* bb_hi = bt_beam_.data() + index(j_hi, 0);
  const double* bb_lo = bt_beam_.data() + index(j_lo, 0);
  const double* a2_hi = src_a2_.data() + index(j_hi, 0);
  const double* a2_lo = src_a2_.data() + index(j_lo, 0);
  const double* da_hi = src_da2_.data() + index(j_hi, 0);
  const double* da_lo = src_da2_.data() + index(j_lo, 0);

  // Sorted copies; mirrored sheets are evaluated at (-r, -p).
  double Qc = 0, Mc = 0;
  for (int i = 0; i < N; ++i) {
    const int id = order_[i];
    const double R = std::abs(rs[id]);
    const double P = rs[id] < 0 ? -p[id] : p[id];
    sr_[i] = R;
    sp_[i] = P;
    sq_[i] = q_[id];
    // Each sheet is a uniform annulus of width h (clipped at the axis) carrying its flux charge q.
    const double a = std::max(R - h2, 0.0), b = R + h2;
    sa_[i] = a;
    sb_[i] = b;
    sn_[i] = q_[id] / (0.5 * (b * b - a * a));
    sFa_[i] = F(a);
    sFb_[i] = F(b);
    sM_[i] = sn_[i] * (sFb_[i] - sFa_[i]);  // int n r ln r dr over the annulus
    sQcum_[i] = Qc;
    sMcum_[i] = Mc;
    Qc += sq_[i];
    Mc += sM_[i];
    double bb = interp_r(bb_hi, nr, dr_, R, -1);
    double a2 = 0, da2 = 0;
    if (have_laser_) {
      a2 = interp_r(a2_hi, nr, dr_, R, +1);
      da2 = interp_r(da_hi, nr, dr_, R, -1);
    }
    if (frac > 0) {
      bb = (1 - frac) * bb + frac * interp_r(bb_lo, nr, dr_, R, -1);
      if (have_laser_) {
        a2 = (1 - frac) * a2 + frac * interp_r(a2_lo, nr, dr_, R, +1);
        da2 = (1 - frac) * da2 + frac * interp_r(da_lo, nr, dr_, R, -1);
      }
    }
    sbb_[i] = bb;
    sa2_[i] = a2;
    sda2_[i] = da2;
  }
  sQcum_[N] = Qc;
  sMcum_[N] = Mc;

  // Portion of annulus j below radius R: charge and its contribution to int q ln(R/r'). F at the edges is
  // cached and F(R) comes from ln R, so no logarithm is taken here (this is the inner loop).
  auto part = [&](int j, double R, double lnR, double& Qp, double& Pp) {
    const double a = sa_[j];
    if (R <= a) {
      Qp = Pp = 0;
      return;
    }
    const bool inside = R < sb_[j];
    const double m = inside ? R : sb_[j];
    const double Fm = inside ? 0.5 * R * R * lnR - 0.25 * R * R : sFb_[j];
    const double x = 0.5 * sn_[j] * (m * m - a * a);
    Qp = x;
    Pp = lnR * x - sn_[j] * (Fm - sFa_[j]);
  };
  auto part_q = [&](int j, double R) {
    const double a = sa_[j];
    if (R <= a) return 0.0;
    const double m = std::min(R, sb_[j]);
    return 0.5 * sn_[j] * (m * m - a * a);
  };
  // Electron charge enclosed by R and int_0^R n r' ln(R/r') dr' for R with `idx` sheet centres below it;
  // the overlapping neighbours (idx-1 above, idx and idx+1 below R) count by their covered part.
  auto electron_sums = [&](int idx, double R, double lnR, double& Q, double& Psi) {
    Q = sQcum_[idx];
    Psi = lnR * sQcum_[idx] - sMcum_[idx];
    double Qp, Pp;
    if (idx > 0 && sb_[idx - 1] > R) {
      part(idx - 1, R, lnR, Qp, Pp);
      Q += Qp - sq_[idx - 1];
      Psi += Pp - (sq_[idx - 1] * lnR - sM_[idx - 1]);
    }
    for (int j = idx; j < std::min(idx + 2, N); ++j) {
      if (sa_[j] >= R) break;
      part(j, R, lnR, Qp, Pp);
      Q += Qp;
      Psi += Pp;
    }
  };

  // psi = 0 at the outermost sheet edge or the plasma edge, whichever is further out.
  const double r_b = std::max(sb_[N - 1], r_pl_);
  const double Cpsi = std::log(r_b) * Qc - Mc - ion_Psi(r_b);

  // ln R of every sheet in one loop that the compiler vectorises (vm::log: within 4 ulp of std::log).
  for (int i = 0; i < N; ++i) slnr_[i] = vm::log(std::max(sr_[i], kTinyR));
  for (int i = 0; i < N; ++i) {
    const double R = std::max(sr_[i], kTinyR);
    const double lnR = slnr_[i];
    double Q, Psi;
    electron_sums(i, R, lnR, Q, Psi);
    spsi_[i] = std::clamp(Psi - ion_Psi(R) - Cpsi, cfg_.psi_min, cfg_.psi_max);
    sdrpsi_[i] = (Q - ion_Q(R)) / R;
  }
  // Gamma from the quasi-static invariant, the max_gamma reset, then the flux terms of d psi / d zeta.
  long resets = 0;
  for (int i = 0; i < N; ++i) {
    const double den = 1 + spsi_[i];
    double g = (1 + sp_[i] * sp_[i] + sa2_[i] + den * den) / (2 * den);
    if (g >= cfg_.max_gamma) {
      const int id = order_[i];
      p[id] = 0;
      sp_[i] = 0;
      g = 1;
      ++resets;
    }
    sgam_[i] = g;
    sflux_[i] = sq_[i] * sp_[i] / (std::max(sr_[i], kTinyR) * den);
  }
  if (j_out >= 0) resets_ += resets;
  double fc = 0;
  sfluxcum_[N] = 0;
  for (int i = N - 1; i >= 0; --i) {
    fc += sflux_[i];
    sfluxcum_[i] = fc;
  }
  // d psi / d zeta at R: flux of the sheets outside R, overlapping neighbours by their uncovered part.
  auto dzpsi_at = [&](int idx, double R) {
    double s = sfluxcum_[idx];
    if (idx > 0 && sb_[idx - 1] > R) s += sflux_[idx - 1] * (1 - part_q(idx - 1, R) / sq_[idx - 1]);
    for (int j = idx; j < std::min(idx + 2, N); ++j) {
      if (sa_[j] >= R) break;
      s -= sflux_[j] * part_q(j, R) / sq_[j];
    }
    return s;
  };
  for (int i = 0; i < N; ++i) {
    const double R = std::max(sr_[i], kTinyR);
    sdzpsi_[i] = std::clamp(dzpsi_at(i, R), -kFieldClip, kFieldClip);
  }

  // B_theta of the plasma: between sheets B = a r + b / r; crossing sheet i maps (a, b) linearly. Shoot a
  // particular solution from (0, 0) and the homogeneous one from (1, 0) (regular on axis), and pick the
  // multiple of the latter that gives a = 0 outside (B ~ 1/r). The homogeneous solution grows fast, so
  // whenever it gets large both are rebased: the particular one loses its homogeneous component and the
  // homogeneous one is rescaled; the multiples of the earlier segments follow exactly from the later
  // ones (alpha_k = -beta + alpha_{k+1} / s), so no precision is lost to cancellation.
  seg_start_.clear();
  seg_scale_.clear();
  seg_beta_.clear();
  seg_start_.push_back(0);
  double pa = 0, pb = 0, ha = 1, hb = 0;
  for (int i = 0; i < N; ++i) {
    const double R = std::max(sr_[i], kTinyR);
    const double iR = 1 / R, iden = 1 / (1 + spsi_[i]);
    const double q = sq_[i], P = sp_[i], g = sgam_[i], dpsi = sdrpsi_[i];
    const double qa = q * iR * iden, qa2 = qa * iden;  // q / (r (1+psi)), q / (r (1+psi)^2)
    const double A = qa;
    const double B = qa2 * (-g * dpsi + P * P * dpsi * iden + P * sdzpsi_[i] + P * P * iR +
                            sbb_[i] * (1 + spsi_[i]) + 0.5 * sda2_[i]);
    const double C = qa2 * P * P - q * iR * (g * iden - 1);
    const double m11 = 1 + 0.5 * A * R, m12 = 0.5 * A * iR;
    const double m21 = -0.5 * A * R * R * R, m22 = 1 - 0.5 * A * R;
    const double s1 = 0.25 * (2 * B + A * C), s2 = 0.25 * R * (4 * C - 2 * B * R - A * C * R);
    const double npa = m11 * pa + m12 * pb + s1, npb = m21 * pa + m22 * pb + s2;
    const double nha = m11 * ha + m12 * hb, nhb = m21 * ha + m22 * hb;
    pa = npa, pb = npb, ha = nha, hb = nhb;
    spar_a_[i] = pa, spar_b_[i] = pb, shom_a_[i] = ha, shom_b_[i] = hb;
    const double size = std::abs(ha) * R + std::abs(hb) * iR;
    if (size > 1e6 && i < N - 1) {
      const double beta = pa / ha;
      pa -= beta * ha;
      pb -= beta * hb;
      ha /= size;
      hb /= size;
      seg_beta_.push_back(beta);
      seg_scale_.push_back(size);
      seg_start_.push_back(i + 1);
    }
  }
  // Solve for the last segment's multiple, then walk back.
  double alpha = -spar_a_[N - 1] / shom_a_[N - 1];
  if (!std::isfinite(alpha)) alpha = 0;
  for (int s = static_cast<int>(seg_start_.size()) - 1; s >= 0; --s) {
    const int i_end = (s + 1 < static_cast<int>(seg_start_.size())) ? seg_start_[s + 1] : N;
    for (int i = seg_start_[s]; i < i_end; ++i) {
      spar_a_[i] += alpha * shom_a_[i];  // a_i, b_i outside sheet i
      spar_b_[i] += alpha * shom_b_[i];
    }
    if (s > 0) alpha = -seg_beta_[s - 1] + alpha / seg_scale_[s - 1];
  }
  const double a_axis = alpha;  // B = a_axis r inside the innermost sheet
  for (int i = 0; i < N; ++i) {
    const double R = std::max(sr_[i], kTinyR);
    const double ain = i > 0 ? spar_a_[i - 1] : a_axis, bin = i > 0 ? spar_b_[i - 1] : 0.0;
    const double bt = 0.5 * ((ain + spar_a_[i]) * R + (bin + spar_b_[i]) / R);
    sbt_[i] = std::clamp(bt, -kFieldClip, kFieldClip);
  }

  // Equations of motion in zeta; mirrored sheets get negated derivatives.
  for (int i = 0; i < N; ++i) {
    const int id = order_[i];
    const double den = 1 + spsi_[i];
    const double dr = sp_[i] / den;
    const double dp = sgam_[i] * sdrpsi_[i] / den - (sbt_[i] + sbb_[i]) - sda2_[i] / (2 * den);
    const double sgn = rs[id] < 0 ? -1.0 : 1.0;
    drdz[id] = sgn * dr;
    dpdz[id] = sgn * dp;
  }

  if (j_out < 0) return;

  // Sheet diagnostics of this slice (the tail slice's survive the march).
  for (int i = 0; i < N; ++i) {
    const int id = order_[i];
    const double den = 1 + spsi_[i];
    out_.r[id] = sr_[i];
    out_.p[id] = sp_[i];
    out_.q[id] = sq_[i];
    out_.psi[id] = spsi_[i];
    out_.gamma[id] = sgam_[i];
    out_.pz[id] = (1 + sp_[i] * sp_[i] + sa2_[i] - den * den) / (2 * den);
  }

  // Grid values of slice j_out from the same sheet sums.
  double* psi = psi_.data() + index(j_out, 0);
  double* ez = ez_.data() + index(j_out, 0);
  double* wr = wr_.data() + index(j_out, 0);
  double* bt = bt_.data() + index(j_out, 0);
  double* er = er_.data() + index(j_out, 0);
  double* nn = n_.data() + index(j_out, 0);
  double* chi = chi_.data() + index(j_out, 0);
  const double* bbg = bt_beam_.data() + index(j_out, 0);
  int idx = 0;
  for (int k = 0; k < nr; ++k) {
    const double R = r(k);
    while (idx < N && sr_[idx] < R) ++idx;
    const double lnR = lnr_grid_[k];
    double Q, Psi;
    electron_sums(idx, R, lnR, Q, Psi);
    psi[k] = Psi - ion_Psi(R) - Cpsi;
    const double drpsi = (Q - ion_Q(R)) / R;
    ez[k] = dzpsi_at(idx, R);
    wr[k] = -drpsi;
    const double a = idx > 0 ? spar_a_[idx - 1] : a_axis, b = idx > 0 ? spar_b_[idx - 1] : 0.0;
    bt[k] = a * R + b / R + bbg[k];
    er[k] = wr[k] + bt[k];
    nn[k] = 0;
    chi[k] = 0;
  }
  // Density (n r dr = q gamma / (1 + psi)) and chi = n / gamma, linear shape in r, divided by what the
  // undisturbed sheets of a uniform unit density deposit (vol_), so an undisturbed plasma reads n_p.
  for (int i = 0; i < N; ++i) {
    const double den = 1 + spsi_[i];
    const double wn = sq_[i] * sgam_[i] / den, wc = sq_[i] / den;
    const double u = sr_[i] / dr_ - 0.5;
    if (u < 0) {
      nn[0] += wn;
      chi[0] += wc;
      continue;
    }
    const int k = static_cast<int>(u);
    const double f = u - k;
    if (k < nr) {
      nn[k] += (1 - f) * wn;
      chi[k] += (1 - f) * wc;
    }
    if (k + 1 < nr) {
      nn[k + 1] += f * wn;
      chi[k + 1] += f * wc;
    }
  }
  for (int k = 0; k < nr; ++k) {
    nn[k] /= vol_[k];
    chi[k] /= vol_[k];
  }
}

void QuasiStatic2D::update(const std::vector<double>& rho_beam, const std::vector<double>& a2,
                           const std::vector<double>& dr_a2) {
  prepare_sources(rho_beam, a2, dr_a2);
  init_sheets();
  resets_ = 0;
  const int N = n_sheets_;
  const double dz = dxi_;  // zeta = -xi grows by dxi per slice towards the tail
  auto mirror = [&](int i) {
    if (r_[i] < 0) {
      r_[i] = -r_[i];
      p_[i] = -p_[i];
      return true;
    }
    return false;
  };

  if (cfg_.plasma_pusher == PlasmaPusher::ab5) {
    for (int j = cfg_.n_xi - 1; j >= 0; --j) {
      // Newest derivatives into slot 0 (rotate the history buffers, no copies).
      std::rotate(hist_r_, hist_r_ + 4, hist_r_ + 5);
      std::rotate(hist_p_, hist_p_ + 4, hist_p_ + 5);
      evaluate(r_.data(), p_.data(), j, 0.0, hist_r_[0].data(), hist_p_[0].data(), j);
      if (j == 0) break;
      for (int i = 0; i < N; ++i) {
        double sr = 0, sp = 0;
        for (int m = 0; m < 5; ++m) {
          sr += kAB5[m] * hist_r_[m][i];
          sp += kAB5[m] * hist_p_[m][i];
        }
        r_[i] += dz * sr;
        p_[i] += dz * sp;
        // A mirrored sheet's history is mirrored too, so the next steps extrapolate consistently.
        if (mirror(i))
          for (int m = 0; m < 5; ++m) {
            hist_r_[m][i] = -hist_r_[m][i];
            hist_p_[m][i] = -hist_p_[m][i];
          }
      }
    }
  } else {
    for (int j = cfg_.n_xi - 1; j >= 0; --j) {
      evaluate(r_.data(), p_.data(), j, 0.0, k_r_[0].data(), k_p_[0].data(), j);
      if (j == 0) break;
      const double fr[3] = {0.5, 0.5, 1.0};
      for (int s = 0; s < 3; ++s) {
        for (int i = 0; i < N; ++i) {
          tr_[i] = r_[i] + fr[s] * dz * k_r_[s][i];
          tp_[i] = p_[i] + fr[s] * dz * k_p_[s][i];
        }
        evaluate(tr_.data(), tp_.data(), j, fr[s], k_r_[s + 1].data(), k_p_[s + 1].data(), -1);
      }
      for (int i = 0; i < N; ++i) {
        r_[i] += dz / 6 * (k_r_[0][i] + 2 * k_r_[1][i] + 2 * k_r_[2][i] + k_r_[3][i]);
        p_[i] += dz / 6 * (k_p_[0][i] + 2 * k_p_[1][i] + 2 * k_p_[2][i] + k_p_[3][i]);
        mirror(i);
      }
    }
  }
}

WakeFields QuasiStatic2D::gather(double x, double y, double xi) const {
  WakeFields f;
  const double v = (xi - cfg_.xi_min) / dxi_;
  if (!(v >= 0 && v <= cfg_.n_xi - 1)) return f;
  int j = static_cast<int>(v);
  if (j >= cfg_.n_xi - 1) j = cfg_.n_xi - 2;
  const double g = v - j;
  const double R = std::hypot(x, y);
  const int nr = cfg_.n_r;
  auto at = [&](const std::vector<double>& a, int parity) {
    return (1 - g) * interp_r(a.data() + index(j, 0), nr, dr_, R, parity) +
           g * interp_r(a.data() + index(j + 1, 0), nr, dr_, R, parity);
  };
  // Odd fields vanish on axis like r, so E_r x / r stays finite (and is exactly 0 at r = 0).
  f.Ez = at(ez_, +1);
  if (R > 0) {
    const double er = at(er_, -1), bt = at(bt_, -1);
    f.Ex = er * x / R;
    f.Ey = er * y / R;
    f.Bx = -bt * y / R;
    f.By = bt * x / R;
  }
  return f;
}

WakeFields QuasiStatic2D::gather_si(double x, double y, double xi, const PlasmaUnits& u) const {
  WakeFields f = gather(x * u.k_p, y * u.k_p, xi * u.k_p);
  f.Ex *= u.E0;
  f.Ey *= u.E0;
  f.Ez *= u.E0;
  f.Bx *= u.B0;
  f.By *= u.B0;
  return f;
}

std::vector<double> deposit_beam(const QuasiStatic2D& qs, const double* x, const double* y, const double* xi,
                                 const double* weight, std::size_t n, double charge) {
  const auto& c = qs.config();
  const int nr = c.n_r, nx = c.n_xi;
  const double dr = qs.dr(), dxi = qs.dxi();
  std::vector<double> rho(static_cast<std::size_t>(nr) * nx, 0.0);
  for (std::size_t m = 0; m < n; ++m) {
    const double v = (xi[m] - c.xi_min) / dxi;
    if (!(v >= 0 && v <= nx - 1)) continue;
    int j = static_cast<int>(v);
    if (j >= nx - 1) j = nx - 2;
    const double g = v - j;
    const double u = std::hypot(x[m], y[m]) / dr - 0.5;
    if (!(u < nr)) continue;  // beyond the grid, or a lost particle's non-finite position
    int k = 0;
    double wk = 1, wk1 = 0;  // weights of cells k and k + 1
    if (u >= 0) {
      k = static_cast<int>(u);
      if (k >= nr) continue;
      wk1 = u - k;
      wk = 1 - wk1;
      if (k == nr - 1) wk1 = 0;
    }
    const double w = charge * weight[m];
    rho[qs.index(j, k)] += w * (1 - g) * wk;
    rho[qs.index(j + 1, k)] += w * g * wk;
    if (wk1 > 0) {
      rho[qs.index(j, k + 1)] += w * (1 - g) * wk1;
      rho[qs.index(j + 1, k + 1)] += w * g * wk1;
    }
  }
  for (int j = 0; j < nx; ++j)
    for (int k = 0; k < nr; ++k) {
      const double vol = 2 * constants::pi * dxi * qs.beam_volume(k);
      rho[qs.index(j, k)] /= vol;
    }
  return rho;
}

std::vector<double> deposit_beam_si(const QuasiStatic2D& qs, const PlasmaUnits& units, const double* x,
                                    const double* y, const double* xi, const double* weight, std::size_t n,
                                    double charge) {
  std::vector<double> xs(n), ys(n), zs(n), ws(n);
  const double k = units.k_p, k3 = k * k * k;
  for (std::size_t m = 0; m < n; ++m) {
    xs[m] = x[m] * k;
    ys[m] = y[m] * k;
    zs[m] = xi[m] * k;
    ws[m] = weight[m] * k3 / units.n_p;
  }
  return deposit_beam(qs, xs.data(), ys.data(), zs.data(), ws.data(), n, charge);
}

}  // namespace wakeline::plasma
