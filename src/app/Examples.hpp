#pragma once
#include <optional>
#include <string>

namespace wakeline::app {

// Built-in example decks (ImpactX dialect), so a new user can run Wakeline with no files.
inline std::optional<std::string> example_deck(const std::string& name) {
  if (name == "fodo") {
    return R"(# Built-in example: one FODO cell, 2 GeV electrons, matched waterbag beam (ImpactX's examples/fodo).
beam.npart = 10000
beam.units = static
beam.kin_energy = 2.0e3          # MeV
beam.charge = 1.0e-9             # C
beam.particle = electron
beam.distribution = waterbag_from_twiss
beam.alphaX = -1.5905003499999992
beam.alphaY = -beam.alphaX
beam.alphaT = 0.0
beam.betaX = 2.8216194100262637
beam.betaY = beam.betaX
beam.betaT = 0.5
beam.emittX = 2e-09
beam.emittY = beam.emittX
beam.emittT = 2e-06

lattice.elements = monitor drift1 monitor quad1 monitor drift2 monitor quad2 monitor drift3 monitor
lattice.nslice = 25

monitor.type = beam_monitor
monitor.backend = h5

drift1.type = drift
drift1.ds = 0.25

quad1.type = quad
quad1.ds = 1.0
quad1.k = 1.0

drift2.type = drift
drift2.ds = 0.5

quad2.type = quad
quad2.ds = 1.0
quad2.k = -1.0

drift3.type = drift
drift3.ds = 0.25

algo.space_charge = false
diag.slice_step_diagnostics = true
)";
  }
  return std::nullopt;
}

}  // namespace wakeline::app
