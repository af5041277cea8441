#pragma once
#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Field-free drift, linear (paraxial) map: R12 = R34 = L, R56 = L/(beta gamma)^2.
struct Drift : ElementCommon {
  static constexpr const char* type = "drift";

  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] BlockDiagonalMap particle_map(const RefPart& ref) const {
    const double L = slice_ds(), bg = ref.beta_gamma();
    return BlockDiagonalMap::from_blocks(focus_block(0.0, L), focus_block(0.0, L),
                                         FocusBlock{1.0, L / (bg * bg), 0.0});
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const { return particle_map(ref).matrix(); }
};

}  // namespace wakeline::elements
