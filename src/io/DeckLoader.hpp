#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "distribution/Distribution.hpp"
#include "io/Diagnostics.hpp"
#include "io/InputDeck.hpp"
#include "tracking/Simulation.hpp"

namespace wakeline::io {

// Everything a CLI run needs, read and validated from an ImpactX-dialect deck before any
// output is created.
struct RunSetup {
  Simulation sim;
  Distribution distribution;
  std::size_t npart = 0;
  double bunch_charge = 0.0;  // C, >= 0; the sign comes from the species
  std::uint64_t seed = 0;
  // beam.distribution = openPMD in particle mode: the file's particles relative to sim.ref, read and
  // converted by load_run (create_beam copies them into the beam).
  std::shared_ptr<const Particles> file_beam;
  DiagnosticsOptions diagnostics;
  std::vector<std::string> notices;  // one line each: accepted keys that mean nothing here
};

// The seed used when neither beam.seed nor --seed is given: runs are reproducible by default.
inline constexpr std::uint64_t kDefaultSeed = 1;

// The parts of load_run, for callers that assemble a run piece by piece (the Python module): each
// reads its keys from `deck` and throws InputError naming the key, file and line.
TrackMode read_algorithm(InputDeck& deck);                                          // algo.track, ...
collective::RadiationSettings read_radiation(InputDeck& deck, TrackMode mode);      // algo.csr*, algo.isr*
collective::SpaceChargeSettings read_space_charge(InputDeck& deck, TrackMode mode,  // algo.space_charge*
                                                  std::vector<std::string>& notices);
RefPart read_reference(InputDeck& deck);  // beam.particle | beam.charge_qe + beam.mass_MeV, beam.kin_energy
Distribution read_distribution(InputDeck& deck, std::vector<std::string>& notices);  // beam.distribution, ...
// The element `name` (keys <name>.type, <name>.ds, ...); `reference_mass` in kg. Lines are not elements.
Element read_element(InputDeck& deck, const std::string& name, int default_nslice, double reference_mass,
                     std::vector<std::string>& notices);

// Reads the beam, lattice, algorithm and diagnostics keys. Throws InputError naming the key,
// file and line for any bad, missing or unknown key. `seed_override` is --seed.
RunSetup load_run(InputDeck& deck, std::optional<std::uint64_t> seed_override);

// Builds the beam of a RunSetup (samples the distribution into setup.sim.beam).
void create_beam(RunSetup& setup);

}  // namespace wakeline::io
