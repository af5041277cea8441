// Particle-beam drivers defined with a plasma stage (PWFA): Gaussian bunches given by their size,
// emittance, energy and charge, as Wake-T's get_gaussian_bunch_from_size builds them, sampled in the
// stage's lab-frame variables.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "plasma/BunchPusher.hpp"

namespace wakeline::plasma {

struct DriverBunchSpec {
  std::string name;
  double charge = 0.0;               // total charge, C (its sign is the species', e.g. < 0 for electrons)
  double particle_charge_qe = -1.0;  // charge of one particle in e
  double particle_mass = 0.0;        // kg
  double gamma = 0.0;                // mean Lorentz factor
  double energy_spread = 0.0;        // rms relative spread of gamma
  double sigma_x = 0.0, sigma_y = 0.0, sigma_xi = 0.0;  // rms sizes, m
  double xi_c = 0.0;                                    // centre in the stage's xi (m)
  double emittance_xn = 0.0, emittance_yn = 0.0;  // normalised rms emittances, m rad (waist at entrance)
  std::size_t npart = 10000;
  std::uint64_t seed = 1;
  // false: a rigid driver, kept as it enters (it moves at c, xi fixed), e.g. for textbook linear-wake
  // benchmarks; true (Wake-T): pushed through the wake like the witness, so it loses energy and evolves.
  bool evolve = true;

  // Throws InputError naming the key (without the driver's prefix) if a value is unusable.
  void validate() const;
};

// A sampled driver: its particles in lab-frame variables at the stage entrance (t = 0), the physical
// particles per macro-particle, and the particle charge in e.
struct DriverBunch {
  DriverBunchSpec spec;
  LabBunch lab;
  std::vector<double> weights;

  // Samples spec.npart particles: x, y, xi Gaussian (centred on 0, 0, xi_c), transverse momenta
  // u_x, u_y Gaussian with rms eps_n/sigma (a waist), gamma Gaussian around spec.gamma, and u_z from gamma.
  explicit DriverBunch(DriverBunchSpec spec);
};

}  // namespace wakeline::plasma
