#pragma once
#include <cstdint>
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
  DiagnosticsOptions diagnostics;
  std::vector<std::string> notices;  // one line each: accepted keys that mean nothing here
};

// The seed used when neither beam.seed nor --seed is given: runs are reproducible by default.
inline constexpr std::uint64_t kDefaultSeed = 1;

// Reads the beam, lattice, algorithm and diagnostics keys. Throws InputError naming the key,
// file and line for any bad, missing or unknown key. `seed_override` is --seed.
RunSetup load_run(InputDeck& deck, std::optional<std::uint64_t> seed_override);

// Builds the beam of a RunSetup (samples the distribution into setup.sim.beam).
void create_beam(RunSetup& setup);

}  // namespace wakeline::io
