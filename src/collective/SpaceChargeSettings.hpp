#pragma once
#include <array>

namespace wakeline::collective {

// algo.space_charge. In particle mode: particle-in-cell models on a mesh that follows the beam
// (3D; 2D, the transverse field of a long beam of given current) or none. In envelope mode:
// the KV (2D) and uniform-ellipsoid (3D) envelope models.
enum class SpaceChargeModel { off, three_d, two_d };

struct SpaceChargeSettings {
  SpaceChargeModel model = SpaceChargeModel::off;
  int particle_shape = 2;                 // algo.particle_shape: B-spline order 1, 2 or 3
  std::array<int, 3> n_cell = {8, 8, 8};  // amr.n_cell: cells of the mesh
  double prob_relative = 3.0;             // geometry.prob_relative[0]: domain / beam extent
  bool dynamic_size = true;               // geometry.dynamic_size
  std::array<double, 3> prob_lo{}, prob_hi{};  // static domain about the reference (x, y, z in m)
  double current_A = 0.0;                 // beam.current: for the 2D models (A)
};

[[nodiscard]] inline bool enabled(const SpaceChargeSettings& s) { return s.model != SpaceChargeModel::off; }

}  // namespace wakeline::collective
