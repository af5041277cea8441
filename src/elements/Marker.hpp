#pragma once
#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// A named position in the lattice; does nothing to the beam.
struct Marker : ElementCommon {
  static constexpr const char* type = "marker";
  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }
};

}  // namespace wakeline::elements
