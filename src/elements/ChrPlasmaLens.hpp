#pragma once
#include "elements/ChrDrift.hpp"

namespace wakeline::elements {

// Active plasma lens with chromatic effects (ImpactX ChrPlasmaLens): the paraxial Hamiltonian
// of ChrDrift.hpp with kx = ky = g, focusing (g > 0) or defocusing (g < 0) in both planes.
// k in 1/m^2 (units = 0) or T/m (units = 1: g = k / (B rho), signed rigidity).
//
// The t-update differs from ImpactX's for g < 0, on purpose. ImpactX (ChrPlasmaLens.H, see
// shared/reference/impactx.md §2.3 and §10.17) writes the last term of its path-length sum as
// -(q1^2 + q2^2) w^2 L for both signs of g. In a defocusing plane, with omega = sqrt(|g|/delta1)
// and w = omega delta1, p(s) = w q0 sinh(omega s) + p0 cosh(omega s), and
//   int_0^L p^2 ds = (L/2)(p0^2 - w^2 q0^2) + (delta1/2)(q1 p1 - q0 p0),
// so the w^2 L term enters with the sign opposite to the focusing case (as in ChrQuad's
// defocusing plane, which ImpactX gets right). Here the integral comes from chromatic_plane(),
// derived once for both signs (k delta1 q0^2 = +-w^2 q0^2). With ImpactX's sign the map is not
// even symplectic; emulating it fails both the symplecticity test and the comparison with a
// Runge-Kutta integration of the Hamiltonian in tests/cpp/test_elements_straight.cpp, which
// cover g < 0 as well as g > 0. The difference is second order and affects t only.
//
// Older ImpactX versions always focused (omega from |g|, trigonometric in both signs); decks of
// that time, e.g. examples/apochromatic/input_apochromatic_pl.in with units = 1 and k > 0 for
// electrons, rely on it. With the signed rigidity such a deck defocuses here, as in current
// ImpactX, whose Python version of that example uses k < 0.
struct ChrPlasmaLens : ElementCommon {
  static constexpr const char* type = "plasma_lens_chromatic";
  double k = 0.0;
  int units = 0;

  [[nodiscard]] double strength(const RefPart& ref) const { return units == 1 ? k / ref.rigidity_Tm() : k; }
  void push_reference(RefPart& ref) const { push_reference_straight(ref, slice_ds()); }
  [[nodiscard]] ChromaticMap particle_map(const RefPart& ref) const {
    const double g = strength(ref);
    return ChromaticMap::make(ref, slice_ds(), g, g);
  }
  // Linear part: the same focusing block in both planes, R56 = L/(beta gamma)^2.
  [[nodiscard]] Matrix6 linear_map(const RefPart& ref) const {
    const double g = strength(ref);
    return chromatic_linear_map(ref, slice_ds(), g, g);
  }
};

}  // namespace wakeline::elements
