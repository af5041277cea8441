#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "collective/OpenPoisson.hpp"
#include "collective/SpaceChargeSettings.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"

namespace wakeline::collective {

// B-spline shape of order 1 (cloud in cell), 2 (triangular shaped cloud) or 3 (cubic) on a node
// grid: for a position u in node units, the first node `base` and the Order + 1 weights.
template <int Order>
struct Shape {
  int base;
  double w[Order + 1];

  explicit Shape(double u) {
    if constexpr (Order == 1) {
      base = static_cast<int>(std::floor(u));
      const double f = u - base;
      w[0] = 1.0 - f, w[1] = f;
    } else if constexpr (Order == 2) {
      const int nearest = static_cast<int>(std::floor(u + 0.5));
      const double d = u - nearest;
      base = nearest - 1;
      w[0] = 0.5 * (0.5 - d) * (0.5 - d), w[1] = 0.75 - d * d, w[2] = 0.5 * (0.5 + d) * (0.5 + d);
    } else {
      static_assert(Order == 3);
      base = static_cast<int>(std::floor(u)) - 1;
      const double f = u - std::floor(u), g = 1.0 - f;
      w[0] = g * g * g / 6.0;
      w[1] = (4.0 - 6.0 * f * f + 3.0 * f * f * f) / 6.0;
      w[2] = (4.0 - 6.0 * g * g + 3.0 * g * g * g) / 6.0;
      w[3] = f * f * f / 6.0;
    }
  }
};

// The mesh of one space-charge step: nodes, spacing and the position of node 0.
struct SpaceChargeMesh {
  std::array<int, 3> nodes{};       // per axis, guard nodes included
  std::array<double, 3> h{};        // node spacing, m
  std::array<double, 3> lo{};       // position of node 0, m
  static constexpr int kGuard = 4;  // guard nodes per side: the widest shape plus the difference stencil
};

// Time spent in the parts of the last kicks (s, accumulated), for benchmarks and profiling.
struct SpaceChargeTimings {
  double transform = 0.0, deposit = 0.0, solve = 0.0, gather_kick = 0.0;
  int steps = 0;
};

// Particle-in-cell space charge (ImpactX's algo.space_charge = 3D or 2D), applied as one kick
// per slice of length L before the element map, with the reference at the slice entrance.
//
// 3D: the beam is moved to fixed-time coordinates (x, y, z at the reference's time), its charge
// deposited on a mesh spanning the beam, the free-space potential found with the relativistic
// Green's function gamma/|(x, y, gamma z)| (the beam's rest-frame field seen in the lab), and
// every particle kicked by F = q E / gamma^2 (the magnetic force cancels all but 1/gamma^2 of the
// electric one) for the time L/(beta c); then back to fixed-s coordinates.
// 2D: the transverse field of a long beam with line density I/(beta c), no longitudinal kick.
// 2p5D: the 2D field of the transverse distribution per unit line density, times the bunch's
// line density lambda(z) at each particle, and the longitudinal field -phi d(lambda)/dz.
class SpaceChargeSolver {
 public:
  explicit SpaceChargeSolver(SpaceChargeSettings settings) : settings_(settings) {}

  void kick(Particles& beam, const RefPart& ref, double L);

  [[nodiscard]] const SpaceChargeSettings& settings() const { return settings_; }
  [[nodiscard]] const SpaceChargeMesh& mesh() const { return mesh_; }
  [[nodiscard]] const SpaceChargeTimings& timings() const { return timings_; }
  // The node potential (V) and field (V/m) of the last kick, for tests.
  [[nodiscard]] const std::vector<double>& phi() const { return phi_; }
  [[nodiscard]] const std::array<std::vector<double>, 3>& field() const { return field_; }

  // The steps of kick(), public for tests and benchmarks. The beam must be in fixed-time
  // coordinates (3D) when these are called.
  void make_mesh(const Particles& beam, int dims);
  // Each particle deposits w * charge_per_weight + charge_per_particle (C, or C/m in 2D).
  void deposit(const Particles& beam, double charge_per_weight, int dims, double charge_per_particle = 0.0);
  void solve(double z_stretch, int dims);
  void gather_and_kick(Particles& beam, double kick_per_qm, int dims) const;
  // 2p5D: the 2D field per unit line density, scaled by the local line density, and the
  // longitudinal field of its variation.
  void kick_2p5d(Particles& beam, const RefPart& ref, double kick_per_qm);

 private:
  SpaceChargeSettings settings_;
  SpaceChargeMesh mesh_;
  OpenPoisson poisson_;
  std::vector<double> rho_, phi_;
  std::array<std::vector<double>, 3> field_;
  std::vector<std::vector<std::int64_t>> thread_rho_;  // per-thread fixed-point charge (see deposit)
  SpaceChargeTimings timings_;
};

// Fixed-s <-> fixed-t coordinates (ImpactX's CoordinateTransformation): x, y move to where the
// particle is at the reference's time, t becomes z (m, along the orbit) and pt becomes
// (pz - p0)/p0.
void to_fixed_t(Particles& beam, const RefPart& ref);
void to_fixed_s(Particles& beam, const RefPart& ref);

}  // namespace wakeline::collective
