#pragma once
#include <vector>

#include "plasma/PlasmaProfile.hpp"

namespace wakeline::plasma {

// E (V/m) and B (T) at one particle.
struct FieldEB {
  double ex = 0.0, ey = 0.0, ez = 0.0, bx = 0.0, by = 0.0, bz = 0.0;
};

enum class WakeModel { none, simple_blowout, custom_blowout, focusing_blowout };

// Wake-T's analytic wake models (reference/plasma.md §1.4). Coordinates: x, y (m), xi = z - c t
// (m) and the time t (s) since the stage reference crossed the entrance, so a particle is at
// z = xi + c t. The transverse focusing is a pure radial *electric* field W = E - v x B for
// v ~ c, as in Wake-T. Densities vary with z: the ion-column quantities use n at the particle's
// own z; a parabolic channel n(r) = n(z)(1 + c r^2) gives the blown-out column's field
// (e n/2 eps0) r (1 + c r^2/2).
//
//  simple_blowout:   E_z = (k_p E0/2) (xi - xi_laser(t) + lambda_p/2 - field_offset), with the laser
//                    centre slipping back at the group velocity beta_g = k0/sqrt(k0^2 + k_p^2):
//                    xi_laser(t) = laser_xi_c - int_0^t (1 - beta_g) c dt'.
//  custom_blowout:   E_z = lon_field + lon_field_slope (xi - xi_fields + slip(t)), E_r = c g r, with
//                    g = foc_strength (T/m, > 0 focuses electrons); slip(t) as above when a laser
//                    wavelength is given, otherwise 0 (the fields stay fixed in xi).
//  focusing_blowout: only the ion-column focusing.
class AnalyticWake {
 public:
  AnalyticWake() = default;
  // `length` is the stage length: the slippage of the laser is tabulated over it once.
  AnalyticWake(WakeModel model, PlasmaProfile profile, double length);

  WakeModel model() const { return model_; }
  const PlasmaProfile& profile() const { return profile_; }

  // simple_blowout and custom_blowout: the laser centre xi_c (m) at t = 0 and its wavelength l_0
  // (m). lambda0 <= 0: no laser (custom_blowout only).
  void set_laser(double xi_c, double lambda0);
  void set_field_offset(double offset) { field_offset_ = offset; }
  void set_custom(double lon_field, double lon_field_slope, double foc_strength, double xi_fields);

  // Adds this wake's fields at (x, y, xi, t).
  void add_fields(double x, double y, double xi, double t, FieldEB& f) const;
  // The largest focusing gradient k_x = W_r/(c r) over the stage, T/m (Wake-T's auto time step).
  [[nodiscard]] double max_focusing_gradient() const;
  // int_0^t (1 - beta_g) c dt' (m): how far the laser fell back in xi after a time t.
  [[nodiscard]] double slippage(double t) const;

 private:
  WakeModel model_ = WakeModel::none;
  PlasmaProfile profile_ = PlasmaProfile::uniform(0.0);
  double length_ = 0.0;
  double xi_laser_ = 0.0, lambda0_ = 0.0, field_offset_ = 0.0;
  double lon_field_ = 0.0, lon_field_slope_ = 0.0, foc_strength_ = 0.0, xi_fields_ = 0.0;
  // Slippage sampled at z = c t on a uniform grid over [0, length] (exact for a uniform plasma).
  std::vector<double> slip_;
  double slip_dz_ = 0.0;
};

// All the fields of one stage: a wake and an external active-plasma-lens field
// B = (g y, -g x, 0), |B_theta| = g r, positive g focusing electrons (Wake-T's ActivePlasmaLens).
struct StageFields {
  AnalyticWake wake;
  double lens_gradient = 0.0;  // T/m

  FieldEB operator()(double x, double y, double xi, double t) const {
    FieldEB f;
    wake.add_fields(x, y, xi, t, f);
    f.bx += lens_gradient * y;
    f.by -= lens_gradient * x;
    return f;
  }
  // Focusing gradient for the automatic time step, T/m (0: no focusing).
  [[nodiscard]] double focusing_gradient() const {
    return wake.max_focusing_gradient() + std::fabs(lens_gradient);
  }
};

}  // namespace wakeline::plasma
