#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "core/Constants.hpp"

namespace wakeline::plasma {

// Plasma scalings (reference/plasma.md §4.1), SI: n in m^-3.
inline double plasma_frequency(double n) {  // omega_p, rad/s
  using namespace constants;
  return std::sqrt(n * q_e * q_e / (epsilon0 * m_e));
}
inline double plasma_wavenumber(double n) { return plasma_frequency(n) / constants::c; }  // k_p, 1/m
// E0 = m_e c omega_p / e, the cold non-relativistic wave-breaking field, V/m.
inline double wavebreaking_field(double n) {
  using namespace constants;
  return m_e * c * plasma_frequency(n) / q_e;
}
// The ion-column field gradient e n/(2 eps0) = m_e omega_p^2/(2e) = k_p E0/2, V/m^2: the slope
// of the blowout E_z and of the focusing field W_r/r.
inline double blowout_slope(double n) { return constants::q_e * n / (2.0 * constants::epsilon0); }

// Wake-T's PlasmaRamp shapes, plus a linear ramp.
enum class RampShape { linear, inverse_square, exponential, gaussian };

// Electron density of the plasma along a stage, n(z) in m^-3 with z measured from the stage
// entrance, and the parabolic channel coefficient c of n(r, z) = n(z) (1 + c r^2).
class PlasmaProfile {
 public:
  // n(z) = n0.
  static PlasmaProfile uniform(double n0);
  // A Wake-T PlasmaRamp over [0, length]: n_top at the top end (the exit of an up-ramp, the
  // entrance of a down-ramp) decaying with distance u from it as n_top/(1 + u/L)^2,
  // n_top exp(-u/L), n_top exp(-u^2/(2 L^2)) or linearly. decay_length L <= 0 derives L from the
  // density n_down reached at distance position_down (the linear shape always uses n_down).
  static PlasmaProfile ramp(RampShape shape, bool upramp, double length, double n_top, double n_down,
                            double position_down, double decay_length);
  // n(z) from a muparser expression in z (m). It is sampled once on `samples` points over
  // [0, length] and interpolated linearly: the pushers evaluate n at every particle and step, and
  // a parser is neither fast nor thread-safe. Throws std::invalid_argument with the parser's
  // message for a bad expression, a non-finite or negative value.
  static PlasmaProfile expression(const std::string& expr, double length, int samples = 20001);

  // Density at z (m); outside [0, length] the value at the nearest end (the analytic models
  // assume the whole bunch is inside the plasma).
  [[nodiscard]] double density(double z) const;
  // Largest density over the stage (Wake-T samples 100 points; the tables here are finer).
  [[nodiscard]] double max_density() const;
  [[nodiscard]] double length() const { return length_; }

  double parabolic_coefficient = 0.0;  // c, 1/m^2

 private:
  enum class Kind { uniform, ramp, table };
  Kind kind_ = Kind::uniform;
  double n0_ = 0.0, length_ = 0.0;
  RampShape shape_ = RampShape::linear;
  bool upramp_ = false;
  double n_down_ = 0.0, position_down_ = 0.0, decay_ = 0.0;
  std::vector<double> table_;
  double dz_ = 0.0;
};

}  // namespace wakeline::plasma
