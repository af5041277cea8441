#include "plasma/PlasmaProfile.hpp"

#include <muParser.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wakeline::plasma {

PlasmaProfile PlasmaProfile::uniform(double n0) {
  if (!(n0 >= 0.0) || !std::isfinite(n0)) throw std::invalid_argument("the density must be >= 0");
  PlasmaProfile p;
  p.kind_ = Kind::uniform;
  p.n0_ = n0;
  return p;
}

PlasmaProfile PlasmaProfile::ramp(RampShape shape, bool upramp, double length, double n_top, double n_down,
                                  double position_down, double decay_length) {
  if (!(n_top > 0.0)) throw std::invalid_argument("the top density must be > 0");
  if (!(length > 0.0)) throw std::invalid_argument("the ramp length must be > 0");
  PlasmaProfile p;
  p.kind_ = Kind::ramp;
  p.shape_ = shape, p.upramp_ = upramp, p.length_ = length;
  p.n0_ = n_top, p.n_down_ = n_down, p.position_down_ = position_down;
  if (shape == RampShape::linear || decay_length <= 0.0) {
    if (!(position_down > 0.0)) throw std::invalid_argument("the ramp position_down must be > 0");
    if (!(n_down >= 0.0) || (shape != RampShape::linear && !(n_down > 0.0 && n_down < n_top)))
      throw std::invalid_argument(
          "the ramp density_down must be in (0, top density) to derive a decay length");
  }
  // Wake-T's derivation of the decay length from (n_top, n_down, position_down).
  switch (shape) {
    case RampShape::linear:
      break;
    case RampShape::inverse_square:
      p.decay_ = decay_length > 0.0 ? decay_length : position_down / (std::sqrt(n_top / n_down) - 1.0);
      break;
    case RampShape::exponential:
      p.decay_ = decay_length > 0.0 ? decay_length : position_down / std::log(n_top / n_down);
      break;
    case RampShape::gaussian:
      p.decay_ =
          decay_length > 0.0 ? decay_length : position_down / std::sqrt(2.0 * std::log(n_top / n_down));
      break;
  }
  return p;
}

PlasmaProfile PlasmaProfile::expression(const std::string& expr, double length, int samples) {
  if (!(length > 0.0)) throw std::invalid_argument("the stage length must be > 0");
  mu::Parser parser;
  double z = 0.0;
  std::string text;  // '**' -> '^': the AMReX dialect's power, as in the deck's expressions
  for (std::size_t i = 0; i < expr.size(); ++i) {
    const bool power = expr[i] == '*' && i + 1 < expr.size() && expr[i + 1] == '*';
    text += power ? '^' : expr[i];
    if (power) ++i;
  }
  PlasmaProfile p;
  p.kind_ = Kind::table;
  p.length_ = length;
  p.dz_ = length / (samples - 1);
  p.table_.resize(static_cast<std::size_t>(samples));
  try {
    parser.DefineVar("z", &z);
    parser.DefineConst("pi", constants::pi);
    parser.DefineFun(
        "pow", +[](double a, double b) { return std::pow(a, b); });
    parser.SetExpr(text);
    for (int i = 0; i < samples; ++i) {
      z = (i == samples - 1) ? length : i * p.dz_;
      const double n = parser.Eval();
      if (!std::isfinite(n) || n < 0.0)
        throw std::invalid_argument("'" + expr + "' gives " + std::to_string(n) + " m^-3 at z = " +
                                    std::to_string(z) + " m; a density must be finite and >= 0");
      p.table_[static_cast<std::size_t>(i)] = n;
    }
  } catch (const mu::Parser::exception_type& e) {
    throw std::invalid_argument("'" + expr + "' is not an expression in z: " + e.GetMsg());
  }
  return p;
}

double PlasmaProfile::density(double z) const {
  switch (kind_) {
    case Kind::uniform:
      return n0_;
    case Kind::ramp: {
      z = std::clamp(z, 0.0, length_);
      const double u = upramp_ ? length_ - z : z;  // distance from the top end
      switch (shape_) {
        case RampShape::linear:
          return u >= position_down_ ? n_down_ : n0_ + (n_down_ - n0_) * u / position_down_;
        case RampShape::inverse_square: {
          const double f = 1.0 + u / decay_;
          return n0_ / (f * f);
        }
        case RampShape::exponential:
          return n0_ * std::exp(-u / decay_);
        case RampShape::gaussian:
          return n0_ * std::exp(-u * u / (2.0 * decay_ * decay_));
      }
      return n0_;
    }
    case Kind::table: {
      const double s = std::clamp(z, 0.0, length_) / dz_;
      const auto i = std::min(static_cast<std::size_t>(s), table_.size() - 2);
      const double f = s - static_cast<double>(i);
      return table_[i] + f * (table_[i + 1] - table_[i]);
    }
  }
  return n0_;
}

double PlasmaProfile::max_density() const {
  switch (kind_) {
    case Kind::uniform:
      return n0_;
    case Kind::ramp:
      return std::max(n0_, n_down_);  // every shape is monotonic between the two
    case Kind::table:
      return *std::max_element(table_.begin(), table_.end());
  }
  return n0_;
}

}  // namespace wakeline::plasma
