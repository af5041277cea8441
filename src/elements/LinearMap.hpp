#pragma once
#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// A user-given 6x6 transfer matrix (R11..R66, identity by default), applied in one piece,
// with an optional length ds that advances the reference particle like a drift.
// Not checked for symplecticity.
struct LinearMap : ElementCommon {
  static constexpr const char* type = "linear_map";
  Matrix6 r = Matrix6::identity();

  void push_reference(RefPart& ref) const { push_reference_straight(ref, ds); }
  [[nodiscard]] MatrixMap particle_map(const RefPart& /*ref*/) const { return {r}; }
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return r; }
};

}  // namespace wakeline::elements
