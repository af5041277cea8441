#pragma once
#include <array>
#include <cstddef>
#include <memory>
#include <vector>

namespace wakeline::collective {

// The integral of 1/|r| over the box [x1,x2] x [y1,y2] x [z1,z2] (m^2), from the closed-form
// antiderivative. Exposed for tests.
double box_integral_inverse_r(double x1, double x2, double y1, double y2, double z1, double z2);
// The same integral over the cell of sides hx, hy, hz centred on (x, y, z), by the midpoint rule
// with its h^2 correction, V [1/r + sum_d h_d^2 (3 x_d^2 - r^2)/(24 r^5)]: accurate to O((h/r)^4),
// for cells far from the origin.
double far_cell_integral_inverse_r(double x, double y, double z, double hx, double hy, double hz);
// The integral of ln|r| over the rectangle [x1,x2] x [y1,y2] (m^2 ln m), 2D analogue.
double rect_integral_log_r(double x1, double x2, double y1, double y2);

// Open-boundary (free-space) Poisson solver on a uniform node grid, by Hockney's doubling: the
// potential is the aperiodic convolution of the charge density with the Green's function,
// computed with FFTs on a grid twice as large. The Green's function is integrated over each cell
// (Qiang et al., PRSTAB 9, 044204 (2006)), which stays accurate for cells of any aspect ratio.
//
// The transforms are pruned: the density fills only the first n nodes of each doubled axis, and
// only those nodes of the potential are needed, so the x transforms run on a quarter of the lines
// and the y transforms on half. The Green's function is even in every axis, so its transform is
// real and comes from a DCT-I of an eighth of the doubled grid. FFTW plans are made once per grid
// shape and reused while the shape stays the same (the cell sizes may change every step).
//
// Layout of node arrays: index (k * ny + j) * nx + i, x fastest.
class OpenPoisson {
 public:
  // dims = 3 (n = {nx, ny, nz}) or 2 (n = {nx, ny, 1}).
  OpenPoisson();
  ~OpenPoisson();
  OpenPoisson(const OpenPoisson&) = delete;
  OpenPoisson& operator=(const OpenPoisson&) = delete;

  // 3D: phi = (1/(4 pi eps0)) * integral of rho(r') / |r - r'| dV', with the z axis stretched by
  // z_stretch in the kernel only (the Lorentz factor of a beam at rest in a frame moving along z):
  // kernel z_stretch / |(x, y, z_stretch z)|, integrated over lab cells. rho in C/m^3, h in m.
  // 2D: phi = -(1/(2 pi eps0)) * integral of rho(r') ln|r - r'| dA', rho in C/m^2.
  void solve(const std::vector<double>& rho, std::array<int, 3> n, std::array<double, 3> h, double z_stretch,
             int dims, std::vector<double>& phi);

 private:
  struct Plans;
  std::unique_ptr<Plans> plans_;
};

}  // namespace wakeline::collective
