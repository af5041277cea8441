#include "plasma/DriverBunch.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::plasma {

void DriverBunchSpec::validate() const {
  require_input(std::isfinite(charge) && charge != 0.0, "charge", "must be a nonzero total charge (C)");
  require_input(particle_mass > 0.0 && particle_charge_qe != 0.0, "particle",
                "needs a particle with charge and mass");
  require_input(charge * particle_charge_qe > 0.0, "charge",
                "must have the sign of the particle's charge (e.g. negative for electrons)");
  require_input(gamma > 1.0, "kin_energy", "must be > 0 (MeV)");
  require_input(energy_spread >= 0.0 && energy_spread < 1.0, "energy_spread",
                "must be in [0, 1) (rms, relative)");
  require_input(sigma_x > 0.0, "sigma_x", "must be > 0 (m)");
  require_input(sigma_y > 0.0, "sigma_y", "must be > 0 (m)");
  require_input(sigma_xi > 0.0, "sigma_xi", "must be > 0 (m)");
  require_input(emittance_xn >= 0.0, "emittance_xn", "must be >= 0 (m rad)");
  require_input(emittance_yn >= 0.0, "emittance_yn", "must be >= 0 (m rad)");
  require_input(npart >= 1, "npart", "must be >= 1");
}

DriverBunch::DriverBunch(DriverBunchSpec s) : spec(std::move(s)) {
  spec.validate();
  const std::size_t n = spec.npart;
  lab.resize(n);
  weights.assign(
      n, std::fabs(spec.charge / (spec.particle_charge_qe * constants::q_e)) / static_cast<double>(n));
  std::mt19937_64 rng(spec.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double qm = spec.particle_charge_qe * constants::q_e / spec.particle_mass;
  for (std::size_t i = 0; i < n; ++i) {
    lab.x[i] = spec.sigma_x * normal(rng);
    lab.y[i] = spec.sigma_y * normal(rng);
    lab.xi[i] = spec.xi_c + spec.sigma_xi * normal(rng);
    lab.ux[i] = spec.emittance_xn / spec.sigma_x * normal(rng);
    lab.uy[i] = spec.emittance_yn / spec.sigma_y * normal(rng);
    double gamma = spec.gamma * (1.0 + spec.energy_spread * normal(rng));
    const double u_perp2 = lab.ux[i] * lab.ux[i] + lab.uy[i] * lab.uy[i];
    // A far Gaussian tail could fall below the transverse momentum's own energy; keep it moving forward.
    gamma = std::max(gamma, std::sqrt(2.0 + u_perp2));
    lab.uz[i] = std::sqrt(gamma * gamma - 1.0 - u_perp2);
    lab.qm[i] = qm;
  }
}

}  // namespace wakeline::plasma
