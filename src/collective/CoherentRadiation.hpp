#pragma once
#include <vector>

#include "core/Particles.hpp"
#include "core/RefPart.hpp"

namespace wakeline::collective {

// The longitudinal CSR force on a grid of t nodes: node j at t0 + j h (m), force in N on one
// particle of the beam's species (positive: the particle gains energy).
struct CsrWake {
  double t0 = 0.0, h = 0.0;
  std::vector<double> line_density;         // real particles per m at the nodes
  std::vector<double> force;                // N
  [[nodiscard]] double at(double t) const;  // linear interpolation; 0 outside the grid
};

// The 1D steady-state CSR wake of an ultrarelativistic bunch on a circular orbit of radius R
// (Derbenev et al. 1995; Saldin, Schneidmiller, Yurkov, NIM A 398, 373 (1997), eq. 19): with s the
// position in the bunch (head at larger s) and lambda(s) the number of particles per m,
//   F(s) = dE/ds = -(2 q^2 / (4 pi eps0 3^(1/3) R^(2/3))) Int_{-inf}^{s} (s - s')^(-1/3) lambda'(s') ds',
// q the species' charge: a particle feels the radiation of those behind it, which overtakes it
// along the chord. In ImpactX's coordinates s = -t (the head arrives first), so the sources of the
// particle at t are those at t' > t:
//   F(t) = (2 q^2 / (4 pi eps0 3^(1/3) R^(2/3))) Int_t^inf (t' - t)^(-1/3) dlambda/dt'(t') dt'.
// (q^2/(4 pi eps0) = r m c^2: ImpactX's r_e m_e c^2 holds for any species of charge +-e.)
//
// Discretisation: the weights are deposited (cloud in cell, real particles = sum of w) on
// `bins` nodes spanning [t_min, t_max] of the beam; lambda' by central differences; lambda' is
// taken constant over each node's cell, so the kernel is integrated exactly over the cell:
//   W_0 = (3/2) (h/2)^(2/3),  W_k = (3/2) h^(2/3) ((k + 1/2)^(2/3) - (k - 1/2)^(2/3)),
// and F_i = A sum_{k>=0} W_k lambda'_{i+k}, a direct O(bins^2) sum (150 nodes: 1e4 products, far
// cheaper than the deposit; no FFT padding or wrap-around to get right). The deposit sums fixed
// blocks of particles in a fixed order, so the result is bit-identical at any thread count.
// Needs at least 2 particles with distinct t (throws RunError otherwise, as ImpactX does).
CsrWake csr_wake(const Particles& beam, const RefPart& ref, double R, int bins);

// Applies the CSR kick of one slice of length L (m) in a bend of radius rc (m, either sign):
// pt -= L F(t)/(p0 c), with the reference at the slice entrance. Returns the wake used.
CsrWake csr_kick(Particles& beam, const RefPart& ref, double L, double rc, int bins);

}  // namespace wakeline::collective
