#pragma once
#include <memory>
#include <string>

#include "core/Particles.hpp"
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Injects a beam read from an openPMD file (ImpactX's Source, used for restarts): when the beam
// reaches it, the particles of one iteration (default the last) of one species (default "beam", or
// the only one) in `openpmd_path` are added to the beam with new ids. A file in ImpactX's layout is
// taken as ImpactX's source takes it: the reference's charge/mass and equal weights that carry the
// file's bunch charge (charge_C). A lab-frame file (WarpX, Wake-T, Wakeline's lab layout) is taken to
// fixed s relative to the run's reference particle (beam.kin_energy ...) at its reference plane, with
// its own weights and charge/mass (io::import_beam, docs/user-guide/openpmd.md).
// With active_once (the default) it acts in the first period only. The file is read and converted
// when the deck is loaded, so a bad file is an input error before any output exists.
struct Source : ElementCommon {
  static constexpr const char* type = "source";
  std::string openpmd_path;
  bool active_once = true;
  std::shared_ptr<const Particles> injected;  // x, y, t, px, py, pt, qm, w of the particles to add
  double bunch_charge = 0.0;                  // C, >= 0 (what the injected weights carry)

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }

  // Adds the particles to `beam`, with ids after the largest id in it. The particles were converted
  // relative to the run's initial reference particle when the deck was read; `ref` is not used.
  void inject(Particles& beam, const RefPart& ref) const;
};

}  // namespace wakeline::elements
