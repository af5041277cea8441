#include "plasma/LaserPulse.hpp"

#include <cmath>
#include <string>

#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::plasma {

double LaserPulse::length() const { return constants::c * tau / std::sqrt(2.0 * std::log(2.0)); }

double LaserPulse::rayleigh_length() const { return constants::pi * w_0 * w_0 / l_0; }

double LaserPulse::spot_size(double z) const {
  const double s = (z - z_foc) / rayleigh_length();
  return w_0 * std::sqrt(1.0 + s * s);
}

double LaserPulse::k0() const { return 2.0 * constants::pi / l_0; }

std::complex<double> LaserPulse::envelope(double r, double xi, double z) const {
  using cd = std::complex<double>;
  const cd q = cd(1.0, (z - z_foc) / rayleigh_length());  // complex beam parameter / Z_R, up to i
  const double L = length();
  const double dxi = xi - xi_c;
  return a_0 / q * std::exp(-r * r / (w_0 * w_0 * q)) * std::exp(-dxi * dxi / (L * L)) *
         std::exp(cd(0.0, -cep_phase));
}

void LaserPulse::validate() const {
  auto need_positive = [](const char* key, double v) {
    if (!(v > 0.0) || !std::isfinite(v))
      throw InputError(key, "", "must be a positive finite number, got " + std::to_string(v));
  };
  need_positive("w_0", w_0);
  need_positive("tau", tau);
  need_positive("l_0", l_0);
  if (!std::isfinite(a_0) || a_0 < 0.0)
    throw InputError("a_0", "", "must be a non-negative finite number, got " + std::to_string(a_0));
  if (!std::isfinite(xi_c)) throw InputError("xi_c", "", "must be finite");
  if (!std::isfinite(z_foc)) throw InputError("z_foc", "", "must be finite");
  if (!std::isfinite(cep_phase)) throw InputError("cep_phase", "", "must be finite");
}

}  // namespace wakeline::plasma
