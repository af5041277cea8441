#pragma once
#include <string>

#include "elements/Mixins.hpp"

namespace wakeline::elements {

// What every element carries: its name in the lattice, its length and slicing (thin
// elements keep ds = 0 and one slice), misalignment and pipe aperture.
struct ElementCommon : Thick {
  std::string name;
  Alignment alignment;
  PipeAperture aperture;
};

}  // namespace wakeline::elements
