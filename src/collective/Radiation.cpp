#include "collective/Radiation.hpp"

#include <cmath>
#include <cstdint>
#include <variant>

#include "core/Random.hpp"

namespace wakeline::collective {

namespace {

// Tags the ISR random streams so they never coincide with the per-particle streams of the
// distribution sampler (keyed by the particle index alone, below 2^32) or of later features.
constexpr std::uint64_t kIsrStreamTag = 0x15A0000000000000ULL;

// One stream per (particle, slice step): the step in the high 32 bits, the id in the low ones.
std::uint64_t isr_stream(std::int64_t id, std::uint64_t step) {
  return kIsrStreamTag ^ (step << 32) ^ (static_cast<std::uint64_t>(id) & 0xFFFFFFFFULL);
}

}  // namespace

double radiation_bend_radius(const Element& element, const RefPart& ref) {
  if (const auto* e = std::get_if<elements::Sbend>(&element)) return e->rc;
  if (const auto* e = std::get_if<elements::CFbend>(&element)) return e->rc;
  if (const auto* e = std::get_if<elements::ExactSbend>(&element))
    return e->is_drift(ref) ? 0.0 : e->radius(ref);
  if (const auto* e = std::get_if<elements::ExactCFbend>(&element)) {
    const double rc = e->radius(ref);
    return std::isfinite(rc) ? rc : 0.0;
  }
  return 0.0;
}

double classical_radius(const RefPart& ref) {
  using namespace constants;
  return ref.charge * ref.charge / (4.0 * pi * epsilon0 * ref.mass * c * c);
}

double reduced_compton_wavelength(const RefPart& ref) { return hbar / (ref.mass * constants::c); }

IsrFactors isr_factors(double chi, int order) {
  // Niel et al., PRE 97, 043209 (2018), eqs. 25 and 41, expanded for chi << 1.
  const double sqrt3 = std::sqrt(3.0);
  IsrFactors f{1.0, 55.0 / (16.0 * sqrt3) * chi};
  if (order >= 2) {
    f.g += -55.0 * sqrt3 / 16.0 * chi;
    f.h += -28.0 * chi * chi;
  }
  if (order >= 3) {
    f.g += 48.0 * chi * chi;
    f.h += 14245.0 * sqrt3 / 64.0 * chi * chi * chi;
  }
  return f;
}

double isr_kick(Particles& beam, RefPart& ref, double L, double rc, const RadiationSettings& settings,
                std::uint64_t seed, std::uint64_t step) {
  if (!(L > 0.0) || rc == 0.0 || !std::isfinite(rc)) return 0.0;
  const double gamma_ref = ref.gamma(), bg_ref = ref.beta_gamma();
  // The field strength as a curvature of unit momentum: a particle of momentum bg bends on
  // radius |rc| bg/bg_ref, so its loss per length (2/3) r gamma^4/rho^2 ~ (2/3) r (bg_ref/rc)^2 bg^2,
  // relative to its momentum: tau/L = (2/3) r (bg_ref/rc)^2 bg.
  const double field = bg_ref / std::fabs(rc);
  const double c_tau = 2.0 / 3.0 * classical_radius(ref) * L * field * field;
  const double c_chi = field * reduced_compton_wavelength(ref);
  const int order = settings.isr_order;

  double dp_ref = 0.0;
  double gamma_new = gamma_ref, bg_new = bg_ref, scale = 1.0;
  if (settings.isr_on_ref_part) {
    const IsrFactors f = isr_factors(c_chi * bg_ref, order);
    dp_ref = -c_tau * bg_ref * f.g;
    bg_new = bg_ref * (1.0 + dp_ref);
    gamma_new = std::sqrt(1.0 + bg_new * bg_new);
    scale = 1.0 / (1.0 + dp_ref);  // momenta are re-expressed per the new reference momentum
  }

  ParticleView p(beam);
  const std::size_t n = p.n;
  const auto count = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < count; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (p.id[i] <= 0) continue;  // lost: leave it as it was lost
    const double gamma = gamma_ref - bg_ref * p.pt[i];
    const double bg = std::sqrt(gamma * gamma - 1.0);
    const IsrFactors f = isr_factors(c_chi * bg, order);
    const double tau = c_tau * bg;
    RandomStream rng(seed, isr_stream(p.id[i], step));
    const double xi = rng.normal();
    // h < 0 only outside the expansion's range (chi > 0.07 at order 2): no spread then.
    const double dp = -tau * f.g + std::sqrt(std::fmax(tau * f.h, 0.0)) * xi;
    const double bg_f = bg * (1.0 + dp);
    const double gamma_f = std::sqrt(1.0 + bg_f * bg_f);
    p.px[i] *= (1.0 + dp) * scale;
    p.py[i] *= (1.0 + dp) * scale;
    p.pt[i] = (gamma_new - gamma_f) / bg_new;
  }

  if (settings.isr_on_ref_part) {
    ref.px *= 1.0 + dp_ref;
    ref.py *= 1.0 + dp_ref;
    ref.pz *= 1.0 + dp_ref;
    ref.pt = -std::sqrt(1.0 + ref.px * ref.px + ref.py * ref.py + ref.pz * ref.pz);
  }
  return dp_ref;
}

}  // namespace wakeline::collective
