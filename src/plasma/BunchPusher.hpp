#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "plasma/AnalyticWake.hpp"

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

}  // namespace wakeline::plasma
