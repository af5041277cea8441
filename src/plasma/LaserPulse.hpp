#pragma once
// A Gaussian laser pulse described by its complex envelope, with the parameters of Wake-T's
// GaussianPulse (reference/plasma.md 1.2). The envelope is the one the laser envelope solver
// (LaserEnvelope.hpp) evolves: the vector potential is a = Re(â·exp(i k0 (z - c t))) per polarization
// component, so â carries the amplitude, the diffraction (Gouy phase, wavefront curvature) and the
// carrier-envelope phase, but not the carrier.
#include <complex>

namespace wakeline::plasma {

enum class Polarization { linear, circular };

struct LaserPulse {
  double xi_c = 0.0;       // centre of the pulse in xi = z - c t, m
  double a_0 = 1.0;        // peak normalized vector potential at focus
  double w_0 = 50e-6;      // spot size (1/e radius of the amplitude) at focus, m
  double tau = 30e-15;     // FWHM duration of the intensity, s
  double z_foc = 0.0;      // propagation distance of the focus, m
  double l_0 = 0.8e-6;     // central wavelength, m
  double cep_phase = 0.0;  // carrier-envelope phase, rad
  Polarization polarization = Polarization::linear;

  // Amplitude 1/e half-length of the envelope in xi: intensity FWHM tau maps to exp(-2 xi²/L²) at half.
  [[nodiscard]] double length() const;
  // Rayleigh length pi w_0² / l_0, m.
  [[nodiscard]] double rayleigh_length() const;
  // Spot size after propagating to z (paraxial), m.
  [[nodiscard]] double spot_size(double z) const;
  // Laser wavenumber 2 pi / l_0, 1/m.
  [[nodiscard]] double k0() const;

  // â(r, xi) at propagation distance z (paraxial Gaussian beam times a Gaussian in xi):
  //   â = a_0/(1 + i s) · exp(-r²/(w_0²(1 + i s))) · exp(-(xi - xi_c)²/L²) · exp(-i cep),  s = (z -
  //   z_foc)/Z_R
  [[nodiscard]] std::complex<double> envelope(double r, double xi, double z) const;

  // Throws InputError naming the parameter when one is not physical.
  void validate() const;
};

// Factor f in the ponderomotive source <a²> = f·|â|² (cycle average of a·a): 1/2 for linear
// polarization (one component, a = Re(â e^{iφ})), 1 for circular (two components in quadrature).
[[nodiscard]] constexpr double polarization_factor(Polarization p) {
  return p == Polarization::linear ? 0.5 : 1.0;
}

// <a²> from the envelope, the one place the polarization factor enters.
[[nodiscard]] inline double ponderomotive_source(std::complex<double> a_hat, Polarization p) {
  return polarization_factor(p) * std::norm(a_hat);
}

}  // namespace wakeline::plasma
