#pragma once
#include "elements/ChrDrift.hpp"

namespace wakeline::elements {

// Hard-edge quadrupole with chromatic effects (ImpactX ChrQuad): the paraxial Hamiltonian of
// ChrDrift.hpp with kx = g, ky = -g, so the phase advance per metre is sqrt(|g|/delta1) and the
// t-update carries the path-length integral of the transverse momenta.
// k in 1/m^2 (units = 0, MAD-X convention: k > 0 focuses in x whatever the charge sign) or in
// T/m (units = 1: g = k / (B rho), with the signed rigidity, so the field sign is physical).
struct ChrQuad : ElementCommon {
  static constexpr const char* type = "quad_chromatic";
  double k = 0.0;
  int units = 0;

  [[nodiscard]] double strength(const RefPart& ref) const { return units == 1 ? k / ref.rigidity_Tm() : k; }
  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] ChromaticMap particle_map(const RefPart& ref) const {
    const double g = strength(ref);
    return ChromaticMap::make(ref, slice_ds(), g, -g);
  }
  // Linear part: Quad with strength g.
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double g = strength(ref);
    return chromatic_linear_map(ref, slice_ds(), g, -g);
  }
};

}  // namespace wakeline::elements
