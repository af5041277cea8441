#pragma once
#include <cstdint>

#include "collective/RadiationSettings.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "elements/Element.hpp"

namespace wakeline::collective {

// Reduced Planck constant h/(2 pi), J s (h is exact in SI since 2019); for the species' reduced
// Compton wavelength hbar/(m c).
inline constexpr double hbar = 6.62607015e-34 / (2.0 * constants::pi);

// The bending radius (m, signed) that synchrotron radiation sees in a thick slice of `element`,
// with `ref` the reference at the slice entrance; 0 when the element does not bend. ImpactX
// radiates in sbend, sbend_exact and cfbend; Wakeline also in cfbend_exact (its k_normal[0]
// curvature). A bend with rc = 0 is a drift and does not radiate.
[[nodiscard]] double radiation_bend_radius(const Element& element, const RefPart& ref);

// Classical radius q^2/(4 pi eps0 m c^2) (m) and reduced Compton wavelength hbar/(m c) (m) of the
// species of `ref`.
[[nodiscard]] double classical_radius(const RefPart& ref);
[[nodiscard]] double reduced_compton_wavelength(const RefPart& ref);

// The Taylor coefficients (in chi) of Niel et al.'s quantum corrections, summed to `order` (1..3):
// g scales the mean loss, h the variance (h ~ 55/(16 sqrt 3) chi at first order).
struct IsrFactors {
  double g, h;
};
[[nodiscard]] IsrFactors isr_factors(double chi, int order);

// One ISR kick for a slice of length L (m) in a bend of radius rc (m, either sign), applied before
// the slice's element map (ImpactX's order). For a particle of momentum beta*gamma = bg in the
// field that bends the reference on radius |rc|:
//   tau = (2/3) r L (bg_ref/rc)^2 bg,   chi = (bg_ref/|rc|) lambdabar bg,
//   dp/p = -tau g(chi) + sqrt(tau h(chi)) xi,   xi ~ N(0, 1),
// with r and lambdabar of the beam's species. px, py scale by 1 + dp and pt follows the new
// energy. xi comes from a random stream keyed by (seed, particle id, step), so a run is
// bit-identical at any thread count.
//
// With isr_on_ref_part, `ref` (the reference at the slice entrance) loses the mean relative
// momentum dp_ref = -tau_ref g(chi_ref) of a particle on the reference energy, and the particles
// are expressed relative to the new reference (px, py divided by 1 + dp_ref, pt from the new
// gamma): to first order each particle's dp is reduced by dp_ref, ImpactX's rule. Returns
// dp_ref (0 when the reference is not changed). L <= 0 (a backward map) radiates nothing.
double isr_kick(Particles& beam, RefPart& ref, double L, double rc, const RadiationSettings& settings,
                std::uint64_t seed, std::uint64_t step);

}  // namespace wakeline::collective
