#pragma once
#include <cmath>
#include <complex>

namespace wakeline {

// The two invariants H and I of the IOTA nonlinear insert (Danilov & Nagaitsev, PRSTAB 13,
// 084002 (2010), Sect. V.A) in the normalised variables of a lattice with Twiss (alpha, beta)
// at the insert, strength tn and scale cn (m^1/2): xn = x/(cn sqrt(beta)),
// pxn = px sqrt(beta)/cn + alpha xn, zeta = xn + i yn,
//   H = (xn^2 + yn^2 + pxn^2 + pyn^2)/2 + tn Re[zeta asin(zeta) / sqrt(1 - zeta^2)],
//   I = (xn pyn - yn pxn)^2 + pxn^2 + xn^2 + tn Re[(zeta + conj zeta) asin(zeta) / sqrt(1 - zeta^2)].
struct LensInvariants {
  double alpha = 0.0, beta = 1.0, tn = 0.0, cn = 1.0;

  void operator()(double x, double y, double px, double py, double& H, double& I) const {
    const double sb = std::sqrt(beta);
    const double xn = x / (cn * sb), yn = y / (cn * sb);
    const double pxn = px * sb / cn + alpha * xn, pyn = py * sb / cn + alpha * yn;
    const std::complex<double> zeta(xn, yn);
    const std::complex<double> root = std::sqrt(1.0 - zeta * zeta);
    const std::complex<double> arcsin = std::asin(zeta);
    const double h_potential = std::real(zeta / root * arcsin);
    const double i_potential = std::real((zeta + std::conj(zeta)) / root * arcsin);
    const double jz = xn * pyn - yn * pxn;
    H = 0.5 * (xn * xn + yn * yn + pxn * pxn + pyn * pyn) + tn * h_potential;
    I = jz * jz + pxn * pxn + xn * xn + tn * i_potential;
  }
};

}  // namespace wakeline
