#pragma once
#include <array>

namespace wakeline::collective {

// algo.space_charge. In particle mode: particle-in-cell models on a mesh that follows the beam
// (3D; 2D, the transverse field of a long beam of given current; 2.5D, the 2D field weighted by
// the beam's line density), or the analytic fields of an rms-equivalent Gaussian bunch (Gauss3D,
// Gauss2p5D), or none. In envelope mode: the KV (2D) and uniform-ellipsoid (3D) envelope models.
enum class SpaceChargeModel { off, three_d, two_d, two_p5d, gauss3d, gauss2p5d };

struct SpaceChargeSettings {
  SpaceChargeModel model = SpaceChargeModel::off;
  int particle_shape = 2;                      // algo.particle_shape: B-spline order 1, 2 or 3
  std::array<int, 3> n_cell = {8, 8, 8};       // amr.n_cell: cells of the mesh
  double prob_relative = 3.0;                  // geometry.prob_relative[0]: domain / beam extent
  bool dynamic_size = true;                    // geometry.dynamic_size
  std::array<double, 3> prob_lo{}, prob_hi{};  // static domain about the reference (x, y, z in m)
  double current_A = 0.0;                      // beam.current: for the 2D models (A)
  // 2p5D (algo.space_charge.*): longitudinal bins of the line density, and its longitudinal kick.
  int num_longitudinal_bins = 100;
  bool apply_longitudinal_kick = true;
  // Gauss3D / Gauss2p5D (algo.space_charge.gauss_*): quadrature points and the start of the
  // integration range, the longitudinal bins of Gauss2p5D, and its longitudinal scale (m; <= 0:
  // 1.103 beta gamma sigma_t, recomputed every step, as ImpactX does).
  int gauss_nint = 101;
  double gauss_taylor_delta = 0.01;
  int gauss_charge_z_bins = 129;
  double gauss_long_scale = 0.0;
};

[[nodiscard]] inline bool enabled(const SpaceChargeSettings& s) { return s.model != SpaceChargeModel::off; }

}  // namespace wakeline::collective
