#include "plasma/QuasiStaticStage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "plasma/AnalyticStage.hpp"
#include "plasma/LaserEnvelope.hpp"

namespace wakeline::plasma {

namespace {

void check(bool ok, const char* key, const std::string& message) {
  if (!ok) throw InputError(key, "", message);
}

// The largest near-axis focusing gradient of the wake, T/m: |W_r|/r in the first radial cell of every
// slice (the ion column gives k_p E0/(2c) there).
double focusing_gradient(const QuasiStatic2D& qs, const PlasmaUnits& u) {
  const auto& wr = qs.Wr();
  const double r0 = qs.r(0);
  double g = 0.0;
  for (int j = 0; j < qs.config().n_xi; ++j) g = std::max(g, std::fabs(wr[qs.index(j, 0)]) / r0);
  return g * u.E0 * u.k_p / constants::c;
}

}  // namespace

QuasiStaticStage::QuasiStaticStage(QuasiStaticStageConfig config) : cfg_(std::move(config)) {
  check(cfg_.length > 0.0, "ds", "the stage length must be > 0 (m)");
  check(cfg_.xi_max > cfg_.xi_min, "xi_max", "must be > xi_min (m)");
  check(cfg_.laser_envelope_substeps >= 1, "laser_envelope_substeps", "must be >= 1");
  const double n_max = cfg_.profile.max_density();
  check(n_max > 0.0, "density", "the quasistatic_2d model needs a plasma density > 0 (m^-3)");
  // Validate the grid once, at the highest density (the finest grid in k_p units).
  QuasiStatic2D probe(solver_config(n_max));
  if (cfg_.laser) cfg_.laser->validate();
}

double QuasiStaticStage::dz_fields() const {
  return cfg_.dz_fields > 0.0 ? cfg_.dz_fields : cfg_.xi_max - cfg_.xi_min;
}

QuasiStatic2DConfig QuasiStaticStage::solver_config(double n_p) const {
  const double kp = plasma_wavenumber(n_p);
  QuasiStatic2DConfig q;
  q.r_max = cfg_.r_max * kp;
  q.xi_min = cfg_.xi_min * kp;
  q.xi_max = cfg_.xi_max * kp;
  q.n_r = cfg_.n_r;
  q.n_xi = cfg_.n_xi;
  q.r_max_plasma = cfg_.r_max_plasma > 0.0 ? cfg_.r_max_plasma * kp : 0.0;
  q.ppc = cfg_.ppc;
  q.parabolic_coefficient = cfg_.profile.parabolic_coefficient / (kp * kp);
  q.max_gamma = cfg_.max_gamma;
  q.plasma_pusher = cfg_.plasma_pusher;
  return q;
}

int QuasiStaticStage::advance(LabBunch& lab, const std::vector<double>& weights, double charge_qe) const {
  using constants::c;
  const double t_final = cfg_.length / c;
  const double dz = dz_fields();
  // Updates at z = 0, dz, 2 dz, ... below the length; a remainder shorter than 1e-9 dz is merged.
  const int n_updates = std::max(1, static_cast<int>(std::ceil(cfg_.length / dz - 1e-9)));

  // The envelope is normalised to one fixed density n0 (its chi is n/(n0 gamma)); the wake's unit
  // n_p follows the profile, so chi is rescaled by n_p/n0 at each update.
  const double n0 = cfg_.profile.max_density();
  std::optional<LaserEnvelope> env;
  if (cfg_.laser) {
    EnvelopeGrid grid{cfg_.r_max, cfg_.n_r, cfg_.xi_min, cfg_.xi_max, cfg_.n_xi};
    env.emplace(grid, cfg_.laser->l_0, n0);
    env->initialize(*cfg_.laser, 0.0);
  }
  const std::size_t cells = static_cast<std::size_t>(cfg_.n_r) * static_cast<std::size_t>(cfg_.n_xi);
  std::vector<double> a2, da2, chi;

  for (int k = 0; k < n_updates; ++k) {
    const double t0 = k * dz / c;
    const double t1 = (k + 1 == n_updates) ? t_final : std::min((k + 1) * dz / c, t_final);
    const double n_p = cfg_.profile.density(c * t0);
    if (!(n_p > 0.0)) {  // a gap in the plasma: no wake; the laser diffracts in vacuum
      const FieldFunction none = [](double, double, double, double) { return FieldEB{}; };
      push_bunch(lab, none, t0, t1, cfg_.push.pusher,
                 [](const LabBunch&) { return std::numeric_limits<double>::infinity(); });
      if (env && cfg_.laser_evolution) {
        for (int s = 0; s < cfg_.laser_envelope_substeps; ++s)
          env->advance((t1 - t0) / cfg_.laser_envelope_substeps);
      }
      continue;
    }
    const PlasmaUnits units(n_p);
    QuasiStatic2D qs(solver_config(n_p));
    const std::vector<double> rho = deposit_beam_si(qs, units, lab.x.data(), lab.y.data(), lab.xi.data(),
                                                    weights.data(), lab.size(), charge_qe);
    if (env) {
      a2.resize(cells), da2.resize(cells);
      env->fill_a2(a2);
      env->fill_da2_dr(da2);
      for (double& v : da2) v /= units.k_p;  // d/d(k_p r)
      qs.update(rho, a2, da2);
      if (cfg_.laser_evolution) {
        const auto& qchi = qs.chi();
        chi.resize(cells);
        for (std::size_t i = 0; i < cells; ++i) chi[i] = qchi[i] * (n_p / n0);
        for (int s = 0; s < cfg_.laser_envelope_substeps; ++s)
          env->advance((t1 - t0) / cfg_.laser_envelope_substeps, chi);
      }
    } else {
      qs.update(rho);
    }

    const QuasiStatic2D* q = &qs;
    const PlasmaUnits* u = &units;
    const FieldFunction fields = [q, u](double x, double y, double xi, double /*t*/) {
      const WakeFields w = q->gather_si(x, y, xi, *u);
      return FieldEB{w.Ex, w.Ey, w.Ez, w.Bx, w.By, 0.0};
    };
    const double kx = focusing_gradient(qs, units);
    const double dt_fixed = cfg_.push.dt;
    push_bunch(lab, fields, t0, t1, cfg_.push.pusher, [dt_fixed, kx](const LabBunch& b) {
      return dt_fixed > 0.0 ? dt_fixed : auto_time_step(b, kx);
    });
  }
  return n_updates;
}

void QuasiStaticStage::track(Particles& beam, RefPart& ref) const {
  const double charge_qe = ref.charge_qe();
  track_in_lab(beam, ref, cfg_.length,
               [&](LabBunch& lab, const std::vector<double>& weights) { advance(lab, weights, charge_qe); });
}

}  // namespace wakeline::plasma
