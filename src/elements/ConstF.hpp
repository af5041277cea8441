#pragma once
#include <cmath>

#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Constant focusing in all three planes. kx, ky, kt are wavenumbers (1/m): the matched beta
// functions are 1/kx, 1/ky and 1/(kt (beta gamma)^2). A negative kx or ky defocuses; kt >= 0.
struct ConstF : ElementCommon {
  static constexpr const char* type = "constf";
  double kx = 0.0, ky = 0.0, kt = 0.0;

  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] BlockDiagonalMap particle_map(const RefPart& ref) const {
    const double L = slice_ds(), bg2 = ref.beta_gamma() * ref.beta_gamma();
    // The longitudinal plane focuses with wavenumber kt in the scaled variables (t, pt (beta gamma)^2).
    const FocusBlock bt0 = focus_block(kt * kt, L);
    const FocusBlock bt{bt0.c, bt0.s / bg2, bt0.sp * bg2};
    return BlockDiagonalMap::from_blocks(focus_block(std::copysign(kx * kx, kx), L),
                                         focus_block(std::copysign(ky * ky, ky), L), bt);
  }
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const { return particle_map(ref).matrix(); }
};

}  // namespace wakeline::elements
