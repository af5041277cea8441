#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "plasma/AnalyticWake.hpp"
#include "plasma/QuasiStatic2D.hpp"

namespace wakeline::plasma {

// A bunch in Wake-T's lab-frame variables at one time: x, y (m), xi = z - c t (m), u = p/(m c),
// and each particle's charge/mass q/m (C/kg).
struct LabBunch {
  std::vector<double> x, y, xi, ux, uy, uz, qm;
  [[nodiscard]] std::size_t size() const { return x.size(); }
  void resize(std::size_t n) {
    for (auto* a : {&x, &y, &xi, &ux, &uy, &uz, &qm}) a->resize(n);
  }
};

enum class Pusher { boris, rk4 };

struct PushSettings {
  Pusher pusher = Pusher::boris;
  // Fixed time step (s); 0 = Wake-T's 'auto': dt = 0.1/omega_x, omega_x = sqrt(|q/m| c k_x/gamma_min)
  // with k_x the largest focusing gradient (T/m) and gamma_min the bunch's lowest gamma, re-evaluated
  // after every step. Without focusing, one step crosses the stage.
  double dt = 0.0;
};

// Advances the bunch from t = 0 to t_final (s) in `fields`. The last step is shortened to land on
// t_final. Returns the number of steps. Equations (reference/plasma.md §1.3):
//   dx/dt = c u_x/gamma, dy/dt = c u_y/gamma, dxi/dt = c (u_z/gamma - 1), du/dt = (q/(m c)) (E + v x B).
std::size_t push_bunch(LabBunch& bunch, const StageFields& fields, double t_final,
                       const PushSettings& settings);

// The automatic time step for this bunch (s); +inf without focusing.
double auto_time_step(const LabBunch& bunch, const StageFields& fields);
// Same for a focusing gradient kx (T/m): 0.1/omega_x, +inf for kx <= 0.
double auto_time_step(const LabBunch& bunch, double kx);

// Fields computed elsewhere (e.g. gathered from a wake solver's grid): FieldEB(x, y, xi, t), SI.
using FieldFunction = std::function<FieldEB(double x, double y, double xi, double t)>;

// Advances the bunch from t_start to t_end (s) through `fields` with steps time_step(bunch) (s),
// asked before each step; the last step is shortened to land on t_end. Returns the number of steps.
std::size_t push_bunch(LabBunch& bunch, const FieldFunction& fields, double t_start, double t_end,
                       Pusher pusher, const std::function<double(const LabBunch&)>& time_step);

// The fields of a quasi-static r-xi grid (QuasiStatic2D's layout, units and interpolation), read in
// place by the push. Gathering through this view instead of a FieldFunction spares the call per
// particle and per step, and shares the cell search and radial weights between the three fields
// (the push of a 1e4-particle witness through 21 wake updates was ~half the run time with one
// std::function call per particle-step). The fields are constant in time between two wake updates.
//
// Grid: r_k = (k + 1/2) dr (k < n_r), xi_j = xi_min + j dxi (j < n_xi), index j * n_r + k, lengths in
// 1/k_p; E in E0 and c B in E0, as QuasiStatic2D::Ez(), Er(), Btheta(). Gather: bilinear (cell-centred
// r, node xi), zero outside [xi_min, xi_max]; below the first centre E_z is held and the odd E_r,
// B_theta go linearly to 0 on axis; beyond the last centre E_z is held and E_r, B_theta fall as 1/r.
// The view does not own the arrays: the solver must outlive the push.
struct RZGridFields {
  const double* ez = nullptr;
  const double* er = nullptr;
  const double* bt = nullptr;
  int n_r = 0, n_xi = 0;
  double dr = 0.0, dxi = 0.0, xi_min = 0.0;  // 1/k_p
  double k_p = 0.0;                          // 1/m
  double E0 = 0.0, B0 = 0.0;                 // V/m and T per normalised unit
  // An active-plasma-lens field B = (g y, -g x, 0) added everywhere, g in T/m (0: none).
  double lens_gradient = 0.0;

  // SI fields at (x, y, xi) in m: QuasiStatic2D::gather_si up to round-off, plus the lens field.
  FieldEB operator()(double x, double y, double xi, double t) const;
};

// The view of the last update of `qs` in the units of density `units` (qs must outlive it).
RZGridFields grid_fields(const QuasiStatic2D& qs, const PlasmaUnits& units);

// Same as the FieldFunction push, gathering from the grid in place.
std::size_t push_bunch(LabBunch& bunch, const RZGridFields& fields, double t_start, double t_end,
                       Pusher pusher, const std::function<double(const LabBunch&)>& time_step);

}  // namespace wakeline::plasma
