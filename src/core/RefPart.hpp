#pragma once
#include <cmath>
#include <string>

#include "core/Constants.hpp"
#include "core/HostDevice.hpp"

namespace wakeline {

// The reference particle (ImpactX's RefPart): global lab position, momenta normalised to m*c,
// and pt = -gamma. Every derived quantity comes from pt so the state cannot disagree with itself.
struct RefPart {
  double s = 0.0;                       // integrated path length, m
  double x = 0.0, y = 0.0, z = 0.0;     // global lab position, m
  double t = 0.0;                       // clock time * c, m
  double px = 0.0, py = 0.0, pz = 0.0;  // beta_i * gamma
  double pt = -1.0;                     // -gamma
  double mass = constants::m_e;         // kg
  double charge = -constants::q_e;      // C
  double sedge = 0.0;                   // s at the entrance of the current element
  double gyromagnetic_anomaly = 0.0;    // G = (g - 2)/2 of the species (spin tracking)

  [[nodiscard]] WL_HOST_DEVICE double gamma() const { return -pt; }
  [[nodiscard]] WL_HOST_DEVICE double beta_gamma() const { return std::sqrt(pt * pt - 1.0); }
  [[nodiscard]] WL_HOST_DEVICE double beta() const { return std::sqrt(1.0 - 1.0 / (pt * pt)); }
  [[nodiscard]] double mass_MeV() const { return mass * constants::c * constants::c / constants::MeV; }
  [[nodiscard]] double charge_qe() const { return charge / constants::q_e; }
  [[nodiscard]] double kin_energy_MeV() const { return mass_MeV() * (gamma() - 1.0); }
  // Magnetic rigidity B*rho in T*m; signed (negative for negative charges), as in ImpactX.
  [[nodiscard]] double rigidity_Tm() const { return mass * constants::c * beta_gamma() / charge; }
  // charge/mass in C/kg; the value every beam particle carries as qm.
  [[nodiscard]] double qm() const { return charge / mass; }

  // Sets the kinetic energy; the particle then moves along +z with px = py = 0.
  RefPart& set_kin_energy_MeV(double kinetic_MeV) {
    pt = -(kinetic_MeV / mass_MeV() + 1.0);
    px = 0.0;
    py = 0.0;
    pz = beta_gamma();
    return *this;
  }
  RefPart& set_charge_qe(double charge_in_qe) {
    charge = charge_in_qe * constants::q_e;
    return *this;
  }
  // Changing the mass keeps gamma (ImpactX keeps pt); call set_kin_energy_MeV afterwards.
  RefPart& set_mass_MeV(double mass_in_MeV) {
    mass = mass_in_MeV * constants::MeV / (constants::c * constants::c);
    return *this;
  }
  // Sets charge and mass of a named species: electron, positron, proton, Hminus.
  // Returns false for an unknown name (the caller reports it with context).
  bool set_species(const std::string& name) {
    using namespace constants;
    if (name == "electron") {
      charge = -q_e, mass = m_e, gyromagnetic_anomaly = 0.00115965218062;
    } else if (name == "positron") {
      charge = q_e, mass = m_e, gyromagnetic_anomaly = 0.00115965218062;
    } else if (name == "proton") {
      charge = q_e, mass = m_p, gyromagnetic_anomaly = 1.7928473446;
    } else if (name == "Hminus") {
      // binding energy neglected, as in ImpactX
      charge = -q_e, mass = m_p + 2.0 * m_e, gyromagnetic_anomaly = 1.7928473446;
    } else {
      return false;
    }
    return true;
  }
};

}  // namespace wakeline
