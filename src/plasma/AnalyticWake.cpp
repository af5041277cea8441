#include "plasma/AnalyticWake.hpp"

#include <algorithm>
#include <cmath>

namespace wakeline::plasma {

namespace {
constexpr int kSlipSamples = 4001;
}

AnalyticWake::AnalyticWake(WakeModel model, PlasmaProfile profile, double length)
    : model_(model), profile_(std::move(profile)), length_(length) {}

void AnalyticWake::set_laser(double xi_c, double lambda0) {
  xi_laser_ = xi_c;
  lambda0_ = lambda0;
  slip_.clear();
  if (lambda0 <= 0.0 || length_ <= 0.0) return;
  // 1 - beta_g = 1 - k0/sqrt(k0^2 + kp^2), written without cancellation for kp << k0.
  const double k0 = 2.0 * constants::pi / lambda0;
  const auto one_minus_beta_g = [&](double z) {
    const double kp = plasma_wavenumber(profile_.density(z));
    const double r = std::sqrt(k0 * k0 + kp * kp);
    return kp * kp / (r * (r + k0));
  };
  // The laser moves at ~c, so after a time t it is at z ~ c t: the slippage is the integral of
  // (1 - beta_g) over z (trapezoid rule; exact for a uniform plasma).
  slip_dz_ = length_ / (kSlipSamples - 1);
  slip_.assign(kSlipSamples, 0.0);
  for (int i = 1; i < kSlipSamples; ++i) {
    slip_[i] = slip_[i - 1] +
               0.5 * slip_dz_ * (one_minus_beta_g((i - 1) * slip_dz_) + one_minus_beta_g(i * slip_dz_));
  }
}

void AnalyticWake::set_custom(double lon_field, double lon_field_slope, double foc_strength,
                              double xi_fields) {
  lon_field_ = lon_field, lon_field_slope_ = lon_field_slope, foc_strength_ = foc_strength;
  xi_fields_ = xi_fields;
}

double AnalyticWake::slippage(double t) const {
  if (slip_.empty()) return 0.0;
  const double z = constants::c * t;
  const double s = std::max(z, 0.0) / slip_dz_;
  const auto last = slip_.size() - 1;
  if (s >= static_cast<double>(last)) {
    // Past the end (the last step lands exactly on it; rounding only): continue at the end's rate.
    const double rate = (slip_[last] - slip_[last - 1]) / slip_dz_;
    return slip_[last] + rate * (z - length_);
  }
  const auto i = static_cast<std::size_t>(s);
  return slip_[i] + (s - static_cast<double>(i)) * (slip_[i + 1] - slip_[i]);
}

void AnalyticWake::add_fields(double x, double y, double xi, double t, FieldEB& f) const {
  if (model_ == WakeModel::none) return;
  if (model_ == WakeModel::custom_blowout) {
    const double er = constants::c * foc_strength_;
    f.ex += er * x, f.ey += er * y;
    f.ez += lon_field_ + lon_field_slope_ * (xi - xi_fields_ + slippage(t));
    return;
  }
  const double n = profile_.density(xi + constants::c * t);
  const double slope = blowout_slope(n);  // k_p E0/2
  const double radial = slope * (1.0 + 0.5 * profile_.parabolic_coefficient * (x * x + y * y));
  f.ex += radial * x, f.ey += radial * y;
  if (model_ == WakeModel::simple_blowout && n > 0.0) {
    const double lambda_p = 2.0 * constants::pi / plasma_wavenumber(n);
    f.ez += slope * (xi - xi_laser_ + slippage(t) + 0.5 * lambda_p - field_offset_);
  }
}

double AnalyticWake::max_focusing_gradient() const {
  switch (model_) {
    case WakeModel::none:
      return 0.0;
    case WakeModel::custom_blowout:
      return std::fabs(foc_strength_);
    case WakeModel::simple_blowout:
    case WakeModel::focusing_blowout:
      // W_r/r = m_e omega_p^2/(2e) = c k_x (Wake-T: k_x = m_e omega_p,max^2/(2 e c)).
      return blowout_slope(profile_.max_density()) / constants::c;
  }
  return 0.0;
}

}  // namespace wakeline::plasma
