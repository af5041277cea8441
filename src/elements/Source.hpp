#pragma once
#include <memory>
#include <string>

#include "core/Particles.hpp"
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Injects a beam read from an openPMD file (ImpactX's Source, used for restarts): when the beam
// reaches it, the particles of the last iteration of species "beam" in `openpmd_path` are added
// to the beam, with new ids, the reference's charge/mass, and equal weights that carry the file's
// bunch charge (charge_C). With active_once (the default) it acts in the first period only.
// The file is read when the deck is loaded, so a missing file is an input error before any
// output exists.
struct Source : ElementCommon {
  static constexpr const char* type = "source";
  std::string openpmd_path;
  bool active_once = true;
  std::shared_ptr<const Particles> injected;  // x, y, t, px, py, pt of the particles to add
  double bunch_charge = 0.0;                  // C, >= 0

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }

  // Adds the particles to `beam` (weights and qm from the reference particle's species).
  void inject(Particles& beam, const RefPart& ref) const;
};

}  // namespace wakeline::elements
