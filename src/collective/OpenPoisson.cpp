#include "collective/OpenPoisson.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "core/Constants.hpp"
#include "core/ParallelFor.hpp"

namespace wakeline::collective {

namespace {

// Antiderivative of 1/r: d^3 F / dx dy dz = 1/sqrt(x^2 + y^2 + z^2). Evaluated only at cell
// corners, which are never on a coordinate plane (they sit at half-integer multiples of h).
double antiderivative_inverse_r(double x, double y, double z) {
  const double r = std::sqrt(x * x + y * y + z * z);
  return x * y * std::log(z + r) + y * z * std::log(x + r) + z * x * std::log(y + r) -
         0.5 * x * x * std::atan(y * z / (x * r)) - 0.5 * y * y * std::atan(z * x / (y * r)) -
         0.5 * z * z * std::atan(x * y / (z * r));
}

// Antiderivative of ln r in 2D: d^2 H / dx dy = ln sqrt(x^2 + y^2).
double antiderivative_log_r(double x, double y) {
  return 0.5 * (x * y * std::log(x * x + y * y) - 3.0 * x * y + x * x * std::atan(y / x) +
                y * y * std::atan(x / y));
}

// The smallest m >= n such that 2m has no prime factor above 7 (fast FFT lengths).
int fft_friendly_half(int n) {
  for (int m = std::max(n, 1);; ++m) {
    int v = 2 * m;
    for (int p : {2, 3, 5, 7}) {
      while (v % p == 0) v /= p;
    }
    if (v == 1) return m;
  }
}

std::mutex& planner_mutex() {  // FFTW's planner is not thread-safe
  static std::mutex m;
  return m;
}

void init_fftw_threads() {
  static const bool done = [] {
    fftw_init_threads();
    return true;
  }();
  (void)done;
}

}  // namespace

double box_integral_inverse_r(double x1, double x2, double y1, double y2, double z1, double z2) {
  const auto F = antiderivative_inverse_r;
  return F(x2, y2, z2) - F(x1, y2, z2) - F(x2, y1, z2) - F(x2, y2, z1) + F(x1, y1, z2) + F(x1, y2, z1) +
         F(x2, y1, z1) - F(x1, y1, z1);
}

double rect_integral_log_r(double x1, double x2, double y1, double y2) {
  const auto H = antiderivative_log_r;
  return H(x2, y2) - H(x1, y2) - H(x2, y1) + H(x1, y1);
}

// Plans and buffers for one grid shape.
struct OpenPoisson::Plans {
  std::array<int, 3> n{};  // nodes per axis (nz = 1 in 2D)
  int dims = 0;
  int threads = 0;
  std::array<int, 3> half{};    // m: the doubled axis has 2m points (m >= n)
  std::array<int, 3> padded{};  // 2m (1 for the z axis in 2D)
  int hx = 0;                   // complex points along x after the r2c transform: m_x + 1
  fftw_complex* work = nullptr;  // padded[2] x padded[1] x hx complex (in-place r2c)
  double* green = nullptr;       // (m+1) per axis: the transformed Green's function (real)
  std::vector<double> corners;   // antiderivative at cell corners, (m+2) per axis
  fftw_plan x_forward = nullptr, y_forward = nullptr, z_forward = nullptr;
  fftw_plan x_backward = nullptr, y_backward = nullptr, z_backward = nullptr;
  fftw_plan green_dct = nullptr;

  [[nodiscard]] std::size_t work_size() const {
    return static_cast<std::size_t>(padded[2]) * static_cast<std::size_t>(padded[1]) *
           static_cast<std::size_t>(hx);
  }
  [[nodiscard]] std::size_t green_size() const {
    std::size_t s = 1;
    for (int d = 0; d < dims; ++d) s *= static_cast<std::size_t>(half[d] + 1);
    return s;
  }
  [[nodiscard]] double* real() const { return reinterpret_cast<double*>(work); }
  [[nodiscard]] std::size_t real_row() const { return 2 * static_cast<std::size_t>(hx); }

  Plans(std::array<int, 3> n_in, int dims_in) : n(n_in), dims(dims_in) {
    init_fftw_threads();
    threads = max_threads();
    for (int d = 0; d < 3; ++d) {
      half[d] = d < dims ? fft_friendly_half(n[d]) : 1;
      padded[d] = d < dims ? 2 * half[d] : 1;
    }
    hx = half[0] + 1;
    work = fftw_alloc_complex(work_size());
    green = fftw_alloc_real(green_size());
    if (work == nullptr || green == nullptr) throw std::runtime_error("space charge: out of memory for the FFT grid");
    const int px = padded[0], py = padded[1], pz = padded[2];
    const int row = 2 * hx;  // real stride of a row in the in-place r2c layout
    std::lock_guard lock(planner_mutex());
    fftw_plan_with_nthreads(threads);
    double* r = real();
    // x: r2c of the rows holding charge (y < ny, z < nz), and c2r back on the same rows.
    {
      fftw_iodim xdim{px, 1, 1};
      fftw_iodim loops_r[2] = {{n[2], py * row, py * hx}, {n[1], row, hx}};
      fftw_iodim loops_c[2] = {{n[2], py * hx, py * row}, {n[1], hx, row}};
      x_forward = fftw_plan_guru_dft_r2c(1, &xdim, dims == 3 ? 2 : 1, dims == 3 ? loops_r : loops_r + 1, r, work,
                                        FFTW_ESTIMATE);
      x_backward = fftw_plan_guru_dft_c2r(1, &xdim, dims == 3 ? 2 : 1, dims == 3 ? loops_c : loops_c + 1, work, r,
                                         FFTW_ESTIMATE);
    }
    // y: every x frequency of the planes holding charge (z < nz).
    {
      fftw_iodim ydim{py, hx, hx};
      fftw_iodim loops[2] = {{n[2], py * hx, py * hx}, {hx, 1, 1}};
      y_forward = fftw_plan_guru_dft(1, &ydim, dims == 3 ? 2 : 1, dims == 3 ? loops : loops + 1, work, work,
                                     FFTW_FORWARD, FFTW_ESTIMATE);
      y_backward = fftw_plan_guru_dft(1, &ydim, dims == 3 ? 2 : 1, dims == 3 ? loops : loops + 1, work, work,
                                      FFTW_BACKWARD, FFTW_ESTIMATE);
    }
    if (dims == 3) {
      fftw_iodim zdim{pz, py * hx, py * hx};
      fftw_iodim loop{py * hx, 1, 1};
      z_forward = fftw_plan_guru_dft(1, &zdim, 1, &loop, work, work, FFTW_FORWARD, FFTW_ESTIMATE);
      z_backward = fftw_plan_guru_dft(1, &zdim, 1, &loop, work, work, FFTW_BACKWARD, FFTW_ESTIMATE);
      green_dct = fftw_plan_r2r_3d(half[2] + 1, half[1] + 1, half[0] + 1, green, green, FFTW_REDFT00,
                                   FFTW_REDFT00, FFTW_REDFT00, FFTW_ESTIMATE);
    } else {
      green_dct =
          fftw_plan_r2r_2d(half[1] + 1, half[0] + 1, green, green, FFTW_REDFT00, FFTW_REDFT00, FFTW_ESTIMATE);
    }
    for (fftw_plan p : {x_forward, x_backward, y_forward, y_backward, green_dct}) {
      if (p == nullptr) throw std::runtime_error("space charge: FFTW could not plan the transforms");
    }
    if (dims == 3 && (z_forward == nullptr || z_backward == nullptr)) {
      throw std::runtime_error("space charge: FFTW could not plan the transforms");
    }
  }
  ~Plans() {
    std::lock_guard lock(planner_mutex());
    for (fftw_plan p : {x_forward, x_backward, y_forward, y_backward, z_forward, z_backward, green_dct}) {
      if (p != nullptr) fftw_destroy_plan(p);
    }
    fftw_free(work);
    fftw_free(green);
  }

  // The cell-integrated Green's function at offsets 0..m per axis, then its DCT-I, which is the
  // DFT of its even extension over the doubled grid.
  void make_green(std::array<double, 3> h, double z_stretch) {
    const int cx = half[0] + 2, cy = half[1] + 2;
    if (dims == 3) {
      const int cz = half[2] + 2;
      const double hz = h[2] * z_stretch;
      corners.resize(static_cast<std::size_t>(cx) * cy * cz);
      const std::int64_t planes = cz;
#pragma omp parallel for schedule(dynamic)
      for (std::int64_t k = 0; k < planes; ++k) {
        const double z = (static_cast<double>(k) - 0.5) * hz;
        for (int j = 0; j < cy; ++j) {
          const double y = (j - 0.5) * h[1];
          double* row = &corners[(static_cast<std::size_t>(k) * cy + j) * cx];
          for (int i = 0; i < cx; ++i) row[i] = antiderivative_inverse_r((i - 0.5) * h[0], y, z);
        }
      }
      const int gx = half[0] + 1, gy = half[1] + 1, gz = half[2] + 1;
      const auto C = [&](int i, int j, int k) {
        return corners[(static_cast<std::size_t>(k) * cy + j) * cx + i];
      };
      // phi = (1/(4 pi eps0)) sum rho * integral over a lab cell of z_stretch/|r~| = the integral
      // of 1/|r~| over the stretched cell (the z_stretch cancels the Jacobian).
      const double scale = 1.0 / (4.0 * constants::pi * constants::epsilon0);
#pragma omp parallel for schedule(static)
      for (std::int64_t k = 0; k < gz; ++k) {
        const int kk = static_cast<int>(k);
        for (int j = 0; j < gy; ++j) {
          for (int i = 0; i < gx; ++i) {
            const double v = C(i + 1, j + 1, kk + 1) - C(i, j + 1, kk + 1) - C(i + 1, j, kk + 1) -
                             C(i + 1, j + 1, kk) + C(i, j, kk + 1) + C(i, j + 1, kk) + C(i + 1, j, kk) -
                             C(i, j, kk);
            green[(static_cast<std::size_t>(k) * gy + j) * gx + i] = scale * v;
          }
        }
      }
    } else {
      corners.resize(static_cast<std::size_t>(cx) * cy);
      for (int j = 0; j < cy; ++j) {
        for (int i = 0; i < cx; ++i) {
          corners[static_cast<std::size_t>(j) * cx + i] = antiderivative_log_r((i - 0.5) * h[0], (j - 0.5) * h[1]);
        }
      }
      const int gx = half[0] + 1, gy = half[1] + 1;
      const double scale = -1.0 / (2.0 * constants::pi * constants::epsilon0);
      for (int j = 0; j < gy; ++j) {
        for (int i = 0; i < gx; ++i) {
          const auto C = [&](int a, int b) { return corners[static_cast<std::size_t>(b) * cx + a]; };
          green[static_cast<std::size_t>(j) * gx + i] =
              scale * (C(i + 1, j + 1) - C(i, j + 1) - C(i + 1, j) + C(i, j));
        }
      }
    }
    fftw_execute(green_dct);
  }
};

OpenPoisson::OpenPoisson() = default;
OpenPoisson::~OpenPoisson() = default;

void OpenPoisson::solve(const std::vector<double>& rho, std::array<int, 3> n, std::array<double, 3> h,
                        double z_stretch, int dims, std::vector<double>& phi) {
  if (!plans_ || plans_->n != n || plans_->dims != dims || plans_->threads != max_threads()) {
    plans_.reset();
    plans_ = std::make_unique<Plans>(n, dims);
  }
  Plans& p = *plans_;
  p.make_green(h, z_stretch);

  // Charge into the first n nodes of the doubled grid; zeros elsewhere.
  double* r = p.real();
  const std::size_t row = p.real_row();
  const int py = p.padded[1];
  std::fill(r, r + 2 * p.work_size(), 0.0);
  const std::int64_t nz = n[2];
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < nz; ++k) {
    for (int j = 0; j < n[1]; ++j) {
      const double* src = &rho[(static_cast<std::size_t>(k) * n[1] + j) * n[0]];
      std::copy(src, src + n[0], r + (static_cast<std::size_t>(k) * py + j) * row);
    }
  }
  fftw_execute(p.x_forward);
  fftw_execute(p.y_forward);
  if (dims == 3) fftw_execute(p.z_forward);

  // Multiply by the (real, even) transformed Green's function; normalise the round trip.
  const int px = p.padded[0], pz = p.padded[2];
  const int gx = p.half[0] + 1, gy = p.half[1] + 1;
  const double norm = 1.0 / (static_cast<double>(px) * py * pz);
  const std::int64_t planes = pz;
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < planes; ++k) {
    const int kz = static_cast<int>(k) <= p.half[2] ? static_cast<int>(k) : pz - static_cast<int>(k);
    for (int j = 0; j < py; ++j) {
      const int ky = j <= p.half[1] ? j : py - j;
      const double* g = p.green + (static_cast<std::size_t>(dims == 3 ? kz : 0) * gy + ky) * gx;
      fftw_complex* c = p.work + (static_cast<std::size_t>(k) * py + j) * p.hx;
      for (int i = 0; i < p.hx; ++i) {
        const double f = g[i] * norm;
        c[i][0] *= f;
        c[i][1] *= f;
      }
    }
  }
  if (dims == 3) fftw_execute(p.z_backward);
  fftw_execute(p.y_backward);
  fftw_execute(p.x_backward);

  phi.resize(rho.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < nz; ++k) {
    for (int j = 0; j < n[1]; ++j) {
      const double* src = r + (static_cast<std::size_t>(k) * py + j) * row;
      std::copy(src, src + n[0], &phi[(static_cast<std::size_t>(k) * n[1] + j) * n[0]]);
    }
  }
}

}  // namespace wakeline::collective
