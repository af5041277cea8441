#pragma once
#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Hard-edge quadrupole, linear map. k (1/m^2) > 0 focuses horizontally whatever the charge
// sign (MAD-X convention); k = 0 is a drift.
struct Quad : ElementCommon {
  static constexpr const char* type = "quad";
  double k = 0.0;

  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] BlockDiagonalMap particle_map(const RefPart& ref) const {
    const double L = slice_ds(), bg = ref.beta_gamma();
    return BlockDiagonalMap::from_blocks(focus_block(k, L), focus_block(-k, L),
                                         FocusBlock{1.0, L / (bg * bg), 0.0});
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const { return particle_map(ref).matrix(); }
};

}  // namespace wakeline::elements
