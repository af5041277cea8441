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

// The focusing gradient of a fully blown-out ion column at density n_p, T/m: k_p E0/(2c) =
// m_e omega_p^2/(2 e c). Wake-T sizes its automatic time step with it (c dt = 0.1 sqrt(2 gamma)/k_p for
// electrons); the largest |W_r|/r of the computed wake is not used, because the density spikes where
// plasma electrons cross the axis would shrink the step for every particle, far from the witness.
double blowout_gradient(const PlasmaUnits& u) { return u.E0 * u.k_p / (2.0 * constants::c); }

}  // namespace

QuasiStaticStage::QuasiStaticStage(QuasiStaticStageConfig config) : cfg_(std::move(config)) {
  require_input(cfg_.length > 0.0, "ds", "the stage length must be > 0 (m)");
  require_input(cfg_.xi_max > cfg_.xi_min, "xi_max", "must be > xi_min (m)");
  require_input(cfg_.laser_envelope_substeps >= 1, "laser_envelope_substeps", "must be >= 1");
  const double n_max = cfg_.profile.max_density();
  require_input(n_max > 0.0, "density", "the quasistatic_2d model needs a plasma density > 0 (m^-3)");
  // Validate the grid once, at the highest density (the finest grid in k_p units).
  QuasiStatic2D probe(solver_config(n_max));
  if (cfg_.laser) cfg_.laser->validate();
  require_input(cfg_.diag_fields_every >= 0, "diag_fields_every", "must be >= 0 (0: no snapshots)");
  for (const double z : cfg_.diag_fields_z)
    require_input(z >= 0.0 && z <= cfg_.length, "diag_fields_z",
                  "positions must lie in [0, ds] (m from the entrance)");
  const auto& all = stage_field_names();
  for (const auto& name : cfg_.diag_fields)
    require_input(std::find(all.begin(), all.end(), name) != all.end(), "diag_fields",
                  "'" + name + "' is not a field; valid: E B W rho rho_beam psi chi a drivers");
  for (const auto& d : cfg_.drivers) d.validate();
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

int QuasiStaticStage::n_updates() const {
  // Updates at z = 0, dz, 2 dz, ... below the length; a remainder shorter than 1e-9 dz is merged.
  return std::max(1, static_cast<int>(std::ceil(cfg_.length / dz_fields() - 1e-9)));
}

bool QuasiStaticStage::writes_snapshot(int update) const {
  if (cfg_.diag_fields_every > 0 && update % cfg_.diag_fields_every == 0) return true;
  const int last = n_updates() - 1;
  for (const double z : cfg_.diag_fields_z) {
    const int nearest = std::clamp(static_cast<int>(std::lround(z / dz_fields())), 0, last);
    if (nearest == update) return true;
  }
  return false;
}

namespace {

// One bunch inside the stage: the witness or a driver.
struct StageBunch {
  LabBunch* lab;
  const std::vector<double>* weights;
  double charge_qe;
  bool evolve;
};

bool wanted(const std::vector<std::string>& list, const char* name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

// The fields of the last update in SI (see elements::StageFieldSnapshot).
elements::StageFieldSnapshot make_snapshot(const QuasiStatic2D& qs, const PlasmaUnits& u,
                                           const std::vector<double>& rho_beam, const LaserEnvelope* env,
                                           const std::vector<DriverBunch>& drivers,
                                           const std::vector<std::string>& names, double z, int update) {
  using constants::c;
  elements::StageFieldSnapshot s;
  s.z = z;
  s.update = update;
  s.n_r = qs.config().n_r;
  s.n_xi = qs.config().n_xi;
  s.dr = qs.dr() / u.k_p;
  s.dxi = qs.dxi() / u.k_p;
  s.xi_min = qs.xi(0) / u.k_p;
  const auto scaled = [](const std::vector<double>& v, double f) {
    std::vector<double> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] * f;
    return out;
  };
  const double rho_unit = constants::q_e * u.n_p;  // the solver's charge density unit e n_p
  if (wanted(names, "E")) s.Ez = scaled(qs.Ez(), u.E0), s.Er = scaled(qs.Er(), u.E0);
  if (wanted(names, "B")) s.Bt = scaled(qs.Btheta(), u.B0);
  if (wanted(names, "W")) s.Wr = scaled(qs.Wr(), u.E0);
  if (wanted(names, "rho")) s.rho = scaled(qs.density(), -rho_unit);
  if (wanted(names, "rho_beam")) s.rho_beam = scaled(rho_beam, rho_unit);
  if (wanted(names, "psi")) s.psi = scaled(qs.psi(), constants::m_e * c * c / constants::q_e);
  if (wanted(names, "chi")) s.chi = qs.chi();
  if (env != nullptr && wanted(names, "a")) {
    const auto a = env->a_hat();
    s.a_mod.resize(a.size());
    s.a_phase.resize(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) s.a_mod[i] = std::abs(a[i]), s.a_phase[i] = std::arg(a[i]);
  }
  if (wanted(names, "drivers")) {
    for (const DriverBunch& d : drivers) {
      const LabBunch& b = d.lab;
      s.drivers.push_back({d.spec.name, d.spec.particle_charge_qe * constants::q_e, d.spec.particle_mass, b.x,
                           b.y, b.xi, b.ux, b.uy, b.uz, d.weights});
    }
  }
  return s;
}

}  // namespace

int QuasiStaticStage::advance(LabBunch& lab, const std::vector<double>& weights, double charge_qe,
                              const elements::StageFieldSink* sink) const {
  using constants::c;
  const double t_final = cfg_.length / c;
  const double dz = dz_fields();
  const int updates = n_updates();

  // The bunches: the witness first, then the drivers, sampled anew at every crossing.
  std::vector<DriverBunch> drivers;
  drivers.reserve(cfg_.drivers.size());
  for (const auto& spec : cfg_.drivers) drivers.emplace_back(spec);
  std::vector<StageBunch> bunches{{&lab, &weights, charge_qe, true}};
  for (auto& d : drivers) bunches.push_back({&d.lab, &d.weights, d.spec.particle_charge_qe, d.spec.evolve});

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
  std::vector<double> a2, da2, chi, rho;
  // One solver for all the updates at one density: update() starts every march afresh, so only a new
  // density (a new grid in k_p units) needs a new one; this saves setting up ~40 arrays per update.
  std::optional<QuasiStatic2D> solver;
  double solver_n_p = 0.0;

  for (int k = 0; k < updates; ++k) {
    const double t0 = k * dz / c;
    const double t1 = (k + 1 == updates) ? t_final : std::min((k + 1) * dz / c, t_final);
    const double n_p = cfg_.profile.density(c * t0);
    const double g = cfg_.lens_gradient;
    if (!(n_p > 0.0)) {  // a gap in the plasma: no wake (a lens field only); the laser diffracts in vacuum
      const FieldFunction lens = [g](double x, double y, double, double) {
        return FieldEB{0.0, 0.0, 0.0, g * y, -g * x, 0.0};
      };
      const double dt_fixed = cfg_.push.dt;
      for (const StageBunch& b : bunches) {
        if (!b.evolve) continue;
        push_bunch(*b.lab, lens, t0, t1, cfg_.push.pusher, [dt_fixed, g](const LabBunch& lb) {
          return dt_fixed > 0.0 ? dt_fixed : auto_time_step(lb, std::fabs(g));
        });
      }
      if (env && cfg_.laser_evolution) {
        for (int s = 0; s < cfg_.laser_envelope_substeps; ++s)
          env->advance((t1 - t0) / cfg_.laser_envelope_substeps);
      }
      continue;
    }
    const PlasmaUnits units(n_p);
    if (!solver || n_p != solver_n_p) solver.emplace(solver_config(n_p)), solver_n_p = n_p;
    QuasiStatic2D& qs = *solver;
    rho.assign(cells, 0.0);
    for (const StageBunch& b : bunches) {
      const std::vector<double> part =
          deposit_beam_si(qs, units, b.lab->x.data(), b.lab->y.data(), b.lab->xi.data(), b.weights->data(),
                          b.lab->size(), b.charge_qe);
      for (std::size_t i = 0; i < cells; ++i) rho[i] += part[i];
    }
    if (env) {
      a2.resize(cells), da2.resize(cells);
      env->fill_a2(a2);
      env->fill_da2_dr(da2);
      for (double& v : da2) v /= units.k_p;  // d/d(k_p r)
      qs.update(rho, a2, da2);
    } else {
      qs.update(rho);
    }
    // The snapshot shows the envelope that drove this wake, before it advances.
    if (sink != nullptr && *sink && writes_snapshot(k))
      (*sink)(make_snapshot(qs, units, rho, env ? &*env : nullptr, drivers, cfg_.diag_fields, c * t0, k));
    if (env && cfg_.laser_evolution) {
      const auto& qchi = qs.chi();
      chi.resize(cells);
      for (std::size_t i = 0; i < cells; ++i) chi[i] = qchi[i] * (n_p / n0);
      for (int s = 0; s < cfg_.laser_envelope_substeps; ++s)
        env->advance((t1 - t0) / cfg_.laser_envelope_substeps, chi);
    }

    // The wake (gather_si's fields) and the lens field, read in place by the push: no call per particle.
    RZGridFields fields = grid_fields(qs, units);
    fields.lens_gradient = g;
    const double kx = blowout_gradient(units) + std::fabs(g);
    const double dt_fixed = cfg_.push.dt;
    for (const StageBunch& b : bunches) {
      if (!b.evolve) continue;
      push_bunch(*b.lab, fields, t0, t1, cfg_.push.pusher, [dt_fixed, kx](const LabBunch& lb) {
        return dt_fixed > 0.0 ? dt_fixed : auto_time_step(lb, kx);
      });
    }
  }
  return updates;
}

void QuasiStaticStage::track(Particles& beam, RefPart& ref) const {
  const double charge_qe = ref.charge_qe();
  track_in_lab(beam, ref, cfg_.length,
               [&](LabBunch& lab, const std::vector<double>& weights) { advance(lab, weights, charge_qe); });
}

void QuasiStaticStage::track_with_fields(Particles& beam, RefPart& ref,
                                         const elements::StageFieldSink& sink) const {
  const double charge_qe = ref.charge_qe();
  track_in_lab(beam, ref, cfg_.length, [&](LabBunch& lab, const std::vector<double>& weights) {
    advance(lab, weights, charge_qe, &sink);
  });
}

}  // namespace wakeline::plasma
