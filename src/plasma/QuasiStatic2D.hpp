// Gridless quasi-static r-z wakefield solver (Baxevanis & Stupakov, PRAB 21, 071301 (2018), with the
// Wake-T `quasistatic_2d` extensions: beam source, laser ponderomotive terms, finite plasma radius,
// parabolic radial profile, guards). One call of `update()` computes the wake of one field update on an
// r-xi grid by marching plasma-electron sheets from the head (xi_max) to the tail (xi_min).
//
// Units. Everything inside is normalised to the on-axis plasma density n_p: lengths in k_p^-1,
// fields in E0 = m_e c omega_p / e (magnetic fields as c*B in E0), densities in n_p, charge densities in
// e*n_p. `PlasmaUnits` converts to SI. xi = z - c t (head at xi_max), zeta = -xi.
//
// Grid. r_k = (k + 1/2) dr, dr = r_max / n_r, k < n_r; xi_j = xi_min + j dxi, dxi = (xi_max - xi_min) /
// (n_xi - 1), j < n_xi. Every grid array is contiguous with index j * n_r + k (one xi slice after the
// other, head slice last).
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace wakeline::plasma {

// Conversions between the normalised units of the solver and SI for one plasma density.
struct PlasmaUnits {
  double n_p = 0;      // on-axis electron density, m^-3
  double omega_p = 0;  // rad/s
  double k_p = 0;      // 1/m
  double E0 = 0;       // m_e c omega_p / e, V/m
  double B0 = 0;       // E0 / c, T
  explicit PlasmaUnits(double density_m3);
};

enum class PlasmaPusher { rk4, ab5 };

struct QuasiStatic2DConfig {
  // Box and grid (lengths in k_p^-1 of the on-axis density).
  double r_max = 0;
  double xi_min = 0;
  double xi_max = 0;
  int n_r = 0;
  int n_xi = 0;
  // Plasma column: radius (<= 0 means r_max), sheets per radial cell, n(r) = n_p (1 + c r^2) with
  // c = parabolic_coefficient in k_p^2 units.
  double r_max_plasma = 0;
  int ppc = 2;
  double parabolic_coefficient = 0;
  // Sheets reaching this Lorentz factor are put back at rest (quasi-static approximation broken).
  double max_gamma = 10;
  // Guards on psi at the sheets, where they bunch up at the back of a bubble (the model is no longer
  // valid there, but the wake behind it, where a witness sits, depends on them). The defaults are those
  // of Wake-T's legacy model (`quasistatic_2d_legacy`). Its current `quasistatic_2d` model
  // (qs_rz_baxevanis_ion) clips psi to [-0.99, 0.99]: the cap also bites on the sheets that close a
  // bubble (it moves E_z at an LWFA witness by ~1 % and breaks Ampere's law in a k_p R ~ 4.5 blowout by
  // 5 %), so it is not the default here; set psi_min = -0.99, psi_max = 0.99 to reproduce that model.
  double psi_min = -0.9;
  double psi_max = std::numeric_limits<double>::infinity();
  // AB5 is the production pusher (one field solve per slice); RK4 (four) is the reference.
  PlasmaPusher plasma_pusher = PlasmaPusher::ab5;
};

// Fields at one point, Cartesian, normalised or SI depending on the accessor.
struct WakeFields {
  double Ex = 0, Ey = 0, Ez = 0;
  double Bx = 0, By = 0;  // normalised: c*B in E0; SI: tesla
};

class QuasiStatic2D {
 public:
  // Throws wakeline::InputError naming the offending parameter.
  explicit QuasiStatic2D(const QuasiStatic2DConfig& config);

  // Sources on the grid (layout j * n_r + k). Empty vectors mean "no such source".
  //  rho_beam:  beam charge density in e*n_p (negative for electrons), as from deposit_beam(); the cell
  //             charges are taken back as rho * beam_volume(k), so a density given directly on the grid
  //             counts its axis cell with 13/24 dr^2 (O(dr^2/sigma_r^2) for a smooth beam).
  //  a2:        <a^2> (|a|^2 for circular, |a|^2/2 for linear polarisation).
  //  dr_a2:     d<a^2>/dr (k_p units). If a2 is given and dr_a2 is empty, it is differenced in r.
  void update(const std::vector<double>& rho_beam, const std::vector<double>& a2 = {},
              const std::vector<double>& dr_a2 = {});

  const QuasiStatic2DConfig& config() const { return cfg_; }
  double dr() const { return dr_; }
  double dxi() const { return dxi_; }
  double r(int k) const { return (k + 0.5) * dr_; }
  double xi(int j) const { return cfg_.xi_min + j * dxi_; }
  std::size_t index(int j, int k) const { return static_cast<std::size_t>(j) * cfg_.n_r + k; }
  // Volume / (2 pi dxi) that deposit_beam() divides radial cell k by: r_k dr, and 13/24 dr^2 on axis, where
  // the mirrored half of the linear shape folds in. update() multiplies rho_beam by it again to get back
  // the deposited cell charges.
  double beam_volume(int k) const { return k == 0 ? (13.0 / 24.0) * dr_ * dr_ : r(k) * dr_; }

  // Grid outputs of the last update (normalised).
  const std::vector<double>& psi() const { return psi_; }
  const std::vector<double>& Ez() const { return ez_; }
  const std::vector<double>& Wr() const { return wr_; }      // E_r - c B_theta = -d psi / dr
  const std::vector<double>& Btheta() const { return bt_; }  // c B_theta, plasma + beam
  const std::vector<double>& Btheta_beam() const { return bt_beam_; }
  const std::vector<double>& Er() const { return er_; }
  const std::vector<double>& density() const { return n_; }  // plasma electron density / n_p
  const std::vector<double>& chi() const { return chi_; }    // n / (n_p gamma), laser susceptibility

  // Bilinear gather (cell-centred r, node xi) with the Cartesian projection; zero outside the xi range,
  // radially clamped to the last cell beyond r_max. Normalised coordinates and fields.
  WakeFields gather(double x, double y, double xi) const;
  // Same in SI: positions in metres (xi = z - c t), E in V/m, B in T.
  WakeFields gather_si(double x, double y, double xi, const PlasmaUnits& units) const;

  // Sheet state after the last update (tail slice), in sheet-id order; for tests and diagnostics.
  struct SheetState {
    std::vector<double> r, p, q, psi, gamma, pz;
  };
  const SheetState& sheets() const { return out_; }
  int n_sheets() const { return n_sheets_; }
  // Number of sheets reset by the max_gamma guard in the last update.
  long resets() const { return resets_; }

 private:
  void init_sheets();
  // Fields at the sheets for the state (rs, p) at fractional slice position frac (source arrays at slice
  // j_hi blended with j_hi - 1), derivatives into dr/dp; optionally grid outputs for slice j_out.
  // A sheet with r < 0 is evaluated at its mirror image (-r, -p) and its derivatives negated. Sheets
  // over max_gamma get p = 0 in `p` (the state being evaluated).
  void evaluate(const double* rs, double* p, int j_hi, double frac, double* drdz, double* dpdz, int j_out);
  void sort_sheets(const double* rs);
  void prepare_sources(const std::vector<double>& rho_beam, const std::vector<double>& a2,
                       const std::vector<double>& dr_a2);
  double ion_Q(double r) const;
  double ion_Psi(double r) const;

  QuasiStatic2DConfig cfg_;
  double dr_ = 0, dxi_ = 0, h_ = 0, r_pl_ = 0;
  int n_sheets_ = 0;
  long resets_ = 0;
  bool have_laser_ = false;

  // Sheet state (id order) and per-update constants.
  std::vector<double> r_, p_, q_, r0_;
  std::vector<int> order_;  // sorted position -> sheet id, kept by insertion sort
  // Scratch in sorted order.
  std::vector<double> sr_, sp_, sq_, sa_, sb_, sn_, sFa_, sFb_, sM_, sQcum_, sMcum_, spsi_, sdrpsi_, sdzpsi_,
      sgam_, sa2_, sda2_, sbb_, sbt_, sflux_, sfluxcum_, shom_a_, shom_b_, spar_a_, spar_b_, slnr_;
  std::vector<double> seg_scale_, seg_beta_;
  std::vector<int> seg_start_;
  // Stage storage for the pushers.
  std::vector<double> k_r_[4], k_p_[4], tr_, tp_;
  std::vector<double> hist_r_[5], hist_p_[5];

  // Sources on the grid.
  std::vector<double> src_a2_, src_da2_;
  // Grid outputs.
  std::vector<double> vol_, lnr_grid_;  // radial cell volumes / (2 pi) for the sheet density deposit
  std::vector<double> psi_, ez_, wr_, bt_, bt_beam_, er_, n_, chi_;
  SheetState out_;
};

// Deposit macro-particles onto the r-xi grid of `qs` as a charge density in e*n_p (units of the solver):
// x, y, xi in k_p^-1, weight in units of n_p k_p^-3 (number of physical particles times k_p^3 / n_p),
// charge in units of e (-1 for electrons). Linear (cloud-in-cell) shape in r and xi; each radial cell is
// divided by the volume its shape function sweeps for a uniform density (2 pi r_k dr, except
// 2 pi (13/24) dr^2 for the axis cell, whose mirrored half folds in), so a uniform beam deposits a
// uniform density. Particles outside the grid are ignored. Returns an array of size n_xi * n_r.
std::vector<double> deposit_beam(const QuasiStatic2D& qs, const double* x, const double* y, const double* xi,
                                 const double* weight, std::size_t n, double charge);
// Same from SI arrays: positions in metres, weight = physical particles per macro-particle.
std::vector<double> deposit_beam_si(const QuasiStatic2D& qs, const PlasmaUnits& units, const double* x,
                                    const double* y, const double* xi, const double* weight, std::size_t n,
                                    double charge);

}  // namespace wakeline::plasma
