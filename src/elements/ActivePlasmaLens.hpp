#pragma once
#include "elements/PlasmaStage.hpp"

namespace wakeline::elements {

// Wake-T's ActivePlasmaLens: a capillary discharge whose azimuthal magnetic field |B_theta| = g r
// focuses the beam, tracked in time like a plasma stage (src/plasma/). Unlike
// plasma_lens_chromatic (an s-based paraxial map) it keeps the full relativistic motion in the
// lab frame; see docs/user-guide/plasma-stage.md.
struct ActivePlasmaLens : StageElement {
  static constexpr const char* type = "active_plasma_lens";
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { refuse_linear_map(type); }
};

}  // namespace wakeline::elements
