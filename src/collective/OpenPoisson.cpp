#include "collective/OpenPoisson.hpp"

#include <fftw3.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>

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

// FFTW wisdom: the measured plans, remembered between runs. FFTW_MEASURE times candidate
// algorithms and keeps the fastest, so two runs that measure afresh may pick different ones and
// round differently. Reusing the remembered plans keeps runs bit-reproducible (and skips the
// measuring). The file is WAKELINE_FFTW_WISDOM if set, else $XDG_CACHE_HOME/wakeline/fftw-wisdom
// or ~/.cache/wakeline/fftw-wisdom. Where no file can be kept, plans are made with
// FFTW_ESTIMATE, which is deterministic (and slower to run).
std::string wisdom_file() {
  if (const char* env = std::getenv("WAKELINE_FFTW_WISDOM")) return env;  // "" disables it
  std::filesystem::path dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    dir = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::filesystem::path(home) / ".cache";
  } else {
    return "";
  }
  return (dir / "wakeline" / "fftw-wisdom").string();
}

// Loads the wisdom once per process; returns whether measured plans can be remembered.
bool load_wisdom() {
  static const bool usable = [] {
    const std::string file = wisdom_file();
    if (file.empty()) return false;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
    if (std::filesystem::exists(file)) fftw_import_wisdom_from_filename(file.c_str());
    // Writable? (Checked by writing, as the save will.)
    const std::string probe = file + ".probe." + std::to_string(::getpid());
    FILE* f = std::fopen(probe.c_str(), "w");
    if (f == nullptr) return false;
    std::fclose(f);
    std::remove(probe.c_str());
    return true;
  }();
  return usable;
}

// Saves the wisdom (new plans included) atomically: written aside, then renamed into place.
void save_wisdom() {
  const std::string file = wisdom_file();
  const std::string tmp = file + ".tmp." + std::to_string(::getpid());
  if (fftw_export_wisdom_to_filename(tmp.c_str()) != 0) {
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) std::remove(tmp.c_str());
  } else {
    std::remove(tmp.c_str());
  }
}

}  // namespace

double box_integral_inverse_r(double x1, double x2, double y1, double y2, double z1, double z2) {
  const auto F = antiderivative_inverse_r;
  return F(x2, y2, z2) - F(x1, y2, z2) - F(x2, y1, z2) - F(x2, y2, z1) + F(x1, y1, z2) + F(x1, y2, z1) +
         F(x2, y1, z1) - F(x1, y1, z1);
}

double far_cell_integral_inverse_r(double x, double y, double z, double hx, double hy, double hz) {
  const double r2 = x * x + y * y + z * z, ir2 = 1.0 / r2, ir = std::sqrt(ir2);
  const double correction =
      (hx * hx * (3 * x * x - r2) + hy * hy * (3 * y * y - r2) + hz * hz * (3 * z * z - r2)) / 24.0;
  return hx * hy * hz * ir * (1.0 + correction * ir2 * ir2);
}

double rect_integral_log_r(double x1, double x2, double y1, double y2) {
  const auto H = antiderivative_log_r;
  return H(x2, y2) - H(x1, y2) - H(x2, y1) + H(x1, y1);
}

// A batch of equal 1D transforms applied to many places of an array: FFTW plans a batch of
// `chunk` lines once (FFTW_MEASURE, single-threaded) and our OpenMP threads execute it at every
// offset. Small measured plans are quick to make and fast to run; the executions are independent,
// so the threads need no FFTW threading.
struct LineBatch {
  fftw_plan full = nullptr, tail = nullptr;  // `chunk` lines, and the remainder
  std::vector<std::ptrdiff_t> offsets;       // where each execution of `full` starts (elements)
  std::ptrdiff_t tail_offset = -1;

  LineBatch() = default;
  LineBatch(const LineBatch&) = delete;
  LineBatch& operator=(const LineBatch&) = delete;
  ~LineBatch() {
    std::lock_guard lock(planner_mutex());
    for (fftw_plan p : {full, tail}) {
      if (p != nullptr) fftw_destroy_plan(p);
    }
  }
};

enum class LineKind { r2c, c2r, forward, backward, redft00 };

// Plans transforms of length n along a stride, `count` lines starting `dist` apart, in batches of
// at most `chunk`; repeated at each of `repeats` bases `repeat_step` apart.
void plan_lines(LineBatch& b, LineKind kind, int n, int stride, int count, int dist, int chunk, int repeats,
                std::ptrdiff_t repeat_step, void* data, unsigned flags) {
  const auto make = [&](int howmany) -> fftw_plan {
    double* r = static_cast<double*>(data);
    auto* c = static_cast<fftw_complex*>(data);
    switch (kind) {
      case LineKind::r2c:  // real rows of stride 1 (dist in reals), complex out (dist/2)
        return fftw_plan_many_dft_r2c(1, &n, howmany, r, nullptr, stride, dist, c, nullptr, stride, dist / 2,
                                      flags);
      case LineKind::c2r:
        return fftw_plan_many_dft_c2r(1, &n, howmany, c, nullptr, stride, dist / 2, r, nullptr, stride, dist,
                                      flags);
      case LineKind::forward:
      case LineKind::backward:
        return fftw_plan_many_dft(1, &n, howmany, c, nullptr, stride, dist, c, nullptr, stride, dist,
                                  kind == LineKind::forward ? FFTW_FORWARD : FFTW_BACKWARD, flags);
      case LineKind::redft00: {
        const fftw_r2r_kind k = FFTW_REDFT00;
        return fftw_plan_many_r2r(1, &n, howmany, r, nullptr, stride, dist, r, nullptr, stride, dist, &k,
                                  flags);
      }
    }
    return nullptr;
  };
  const int full = std::min(chunk, count), nfull = count / full, rest = count - nfull * full;
  b.full = make(full);
  if (rest > 0) b.tail = make(rest);
  if (b.full == nullptr || (rest > 0 && b.tail == nullptr)) {
    throw std::runtime_error("space charge: FFTW could not plan the transforms");
  }
  // Offsets in units of the array's element (real for r2c/redft00, complex otherwise).
  for (int r = 0; r < repeats; ++r) {
    for (int f = 0; f < nfull; ++f)
      b.offsets.push_back(r * repeat_step + static_cast<std::ptrdiff_t>(f) * full * dist);
  }
  if (rest > 0) b.tail_offset = static_cast<std::ptrdiff_t>(nfull) * full * dist;  // only with repeats == 1
}

void run_lines(const LineBatch& b, LineKind kind, void* data) {
  const auto exec = [&](fftw_plan p, std::ptrdiff_t off) {
    double* r = static_cast<double*>(data);
    auto* c = static_cast<fftw_complex*>(data);
    switch (kind) {
      case LineKind::r2c:
        fftw_execute_dft_r2c(p, r + off, c + off / 2);
        break;
      case LineKind::c2r:
        fftw_execute_dft_c2r(p, c + off / 2, r + off);
        break;
      case LineKind::forward:
      case LineKind::backward:
        fftw_execute_dft(p, c + off, c + off);
        break;
      case LineKind::redft00:
        fftw_execute_r2r(p, r + off, r + off);
        break;
    }
  };
  const auto count = static_cast<std::int64_t>(b.offsets.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < count; ++i) exec(b.full, b.offsets[static_cast<std::size_t>(i)]);
  if (b.tail != nullptr) exec(b.tail, b.tail_offset);
}

// Plans and buffers for one grid shape.
struct OpenPoisson::Plans {
  std::array<int, 3> n{};  // nodes per axis (nz = 1 in 2D)
  int dims = 0;
  std::array<int, 3> half{};     // m: the doubled axis has 2m points (m >= n)
  std::array<int, 3> padded{};   // 2m (1 for the z axis in 2D)
  int hx = 0;                    // complex points along x after the r2c transform: m_x + 1
  fftw_complex* work = nullptr;  // padded[2] x padded[1] x hx complex (in-place r2c)
  double* green = nullptr;       // (m+1) per axis: the transformed Green's function (real)
  std::vector<double> corners;   // antiderivative at the cell corners near the origin
  LineBatch x_forward, y_forward, z_forward, x_backward, y_backward, z_backward;
  LineBatch green_x, green_y, green_z;
  // The cell sizes of the Green's function in `green` (it is reused while they stay the same).
  std::array<double, 3> green_h{};
  double green_stretch = 0.0;

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
    for (int d = 0; d < 3; ++d) {
      half[d] = d < dims ? fft_friendly_half(n[d]) : 1;
      padded[d] = d < dims ? 2 * half[d] : 1;
    }
    hx = half[0] + 1;
    work = fftw_alloc_complex(work_size());
    green = fftw_alloc_real(green_size());
    if (work == nullptr || green == nullptr)
      throw std::runtime_error("space charge: out of memory for the FFT grid");
    const int px = padded[0], py = padded[1], pz = padded[2];
    const int plane = py * hx;    // complex points per z plane
    constexpr int kColumns = 32;  // z lines per execution: 32 x 16 B = two cache lines per point
    std::lock_guard lock(planner_mutex());
    // Measured plans overwrite the buffers, which hold nothing yet.
    const bool remembered = load_wisdom();
    const unsigned flags = remembered ? FFTW_MEASURE : FFTW_ESTIMATE;
    // x: the rows holding charge (y < ny) of the planes holding charge (z < nz).
    plan_lines(x_forward, LineKind::r2c, px, 1, n[1], 2 * hx, n[1], n[2],
               2 * static_cast<std::ptrdiff_t>(plane), work, flags);
    plan_lines(x_backward, LineKind::c2r, px, 1, n[1], 2 * hx, n[1], n[2],
               2 * static_cast<std::ptrdiff_t>(plane), work, flags);
    // y: every x frequency of the planes holding charge.
    plan_lines(y_forward, LineKind::forward, py, hx, hx, 1, hx, n[2], plane, work, flags);
    plan_lines(y_backward, LineKind::backward, py, hx, hx, 1, hx, n[2], plane, work, flags);
    // z: every column, in batches of neighbouring columns.
    if (dims == 3) {
      plan_lines(z_forward, LineKind::forward, pz, plane, plane, 1, kColumns, 1, 0, work, flags);
      plan_lines(z_backward, LineKind::backward, pz, plane, plane, 1, kColumns, 1, 0, work, flags);
    }
    // The Green's function's DCT-I, axis by axis (offsets need not keep FFTW's alignment).
    const int gx = half[0] + 1, gy = half[1] + 1, gz = dims == 3 ? half[2] + 1 : 1;
    const unsigned gflags = flags | FFTW_UNALIGNED;
    plan_lines(green_x, LineKind::redft00, gx, 1, gy, gx, gy, gz, static_cast<std::ptrdiff_t>(gx) * gy, green,
               gflags);
    plan_lines(green_y, LineKind::redft00, gy, gx, gx, 1, gx, gz, static_cast<std::ptrdiff_t>(gx) * gy, green,
               gflags);
    if (dims == 3)
      plan_lines(green_z, LineKind::redft00, gz, gx * gy, gx * gy, 1, kColumns, 1, 0, green, gflags);
    if (remembered) save_wisdom();
  }
  ~Plans() {
    fftw_free(work);
    fftw_free(green);
  }

  // The cell-integrated Green's function at offsets 0..m per axis, then its DCT-I, which is the
  // DFT of its even extension over the doubled grid. Near the origin the integral is exact (the
  // antiderivative at the 8 corners); beyond kFar cell sizes the midpoint value with its h^2
  // correction, V [1/r + sum_d h_d^2 (3 x_d^2 - r^2)/(24 r^5)], whose error is O((h/r)^4) < 1e-6 there,
  // and which spares most of the logarithms and arctangents.
  void make_green(std::array<double, 3> h, double z_stretch) {
    if (h == green_h && z_stretch == green_stretch) return;  // same cells: same Green's function
    const int gx = half[0] + 1, gy = half[1] + 1;
    if (dims == 3) {
      constexpr double kFar = 12.0;
      const int gz = half[2] + 1;
      const double hz = h[2] * z_stretch;
      const double hmax = std::max({h[0], h[1], hz}), reach = kFar * hmax;
      // The near cells, integrated exactly: offsets up to near_x, near_y, near_z whose centre is
      // within `reach`. The corner array holds exactly their corners, and the test below uses the
      // same integer limits, so no rounding of reach/h can send a near cell outside the array.
      const int near_x = std::min(gx - 1, static_cast<int>(reach / h[0]));
      const int near_y = std::min(gy - 1, static_cast<int>(reach / h[1]));
      const int near_z = std::min(gz - 1, static_cast<int>(reach / hz));
      const int cx = near_x + 2, cy = near_y + 2, cz = near_z + 2;
      corners.resize(static_cast<std::size_t>(cx) * cy * cz);
#pragma omp parallel for schedule(dynamic)
      for (std::int64_t k = 0; k < cz; ++k) {
        const double z = (static_cast<double>(k) - 0.5) * hz;
        for (int j = 0; j < cy; ++j) {
          const double y = (j - 0.5) * h[1];
          double* row = &corners[(static_cast<std::size_t>(k) * cy + j) * cx];
          for (int i = 0; i < cx; ++i) row[i] = antiderivative_inverse_r((i - 0.5) * h[0], y, z);
        }
      }
      const auto C = [&](int i, int j, int k) {
        return corners[(static_cast<std::size_t>(k) * cy + j) * cx + i];
      };
      // phi = (1/(4 pi eps0)) sum rho * integral over a lab cell of z_stretch/|r~| = the integral
      // of 1/|r~| over the stretched cell (the z_stretch cancels the Jacobian).
      const double scale = 1.0 / (4.0 * constants::pi * constants::epsilon0);
#pragma omp parallel for schedule(static)
      for (std::int64_t k = 0; k < gz; ++k) {
        const int kk = static_cast<int>(k);
        const double z = kk * hz;
        for (int j = 0; j < gy; ++j) {
          const double y = j * h[1];
          double* out = green + (static_cast<std::size_t>(k) * gy + j) * gx;
          for (int i = 0; i < gx; ++i) {
            const double x = i * h[0];
            const double r2 = x * x + y * y + z * z;
            double v;
            if (r2 > reach * reach || i > near_x || j > near_y || kk > near_z) {
              v = far_cell_integral_inverse_r(x, y, z, h[0], h[1], hz);
            } else {
              v = C(i + 1, j + 1, kk + 1) - C(i, j + 1, kk + 1) - C(i + 1, j, kk + 1) - C(i + 1, j + 1, kk) +
                  C(i, j, kk + 1) + C(i, j + 1, kk) + C(i + 1, j, kk) - C(i, j, kk);
            }
            out[i] = scale * v;
          }
        }
      }
    } else {
      const int cx = half[0] + 2, cy = half[1] + 2;
      corners.resize(static_cast<std::size_t>(cx) * cy);
      for (int j = 0; j < cy; ++j) {
        for (int i = 0; i < cx; ++i) {
          corners[static_cast<std::size_t>(j) * cx + i] =
              antiderivative_log_r((i - 0.5) * h[0], (j - 0.5) * h[1]);
        }
      }
      const double scale = -1.0 / (2.0 * constants::pi * constants::epsilon0);
      for (int j = 0; j < gy; ++j) {
        for (int i = 0; i < gx; ++i) {
          const auto C = [&](int a, int b) { return corners[static_cast<std::size_t>(b) * cx + a]; };
          green[static_cast<std::size_t>(j) * gx + i] =
              scale * (C(i + 1, j + 1) - C(i, j + 1) - C(i + 1, j) + C(i, j));
        }
      }
    }
    run_lines(green_x, LineKind::redft00, green);
    run_lines(green_y, LineKind::redft00, green);
    if (dims == 3) run_lines(green_z, LineKind::redft00, green);
    green_h = h, green_stretch = z_stretch;
  }
};

OpenPoisson::OpenPoisson() = default;
OpenPoisson::~OpenPoisson() = default;

void OpenPoisson::solve(const std::vector<double>& rho, std::array<int, 3> n, std::array<double, 3> h,
                        double z_stretch, int dims, std::vector<double>& phi) {
  if (!plans_ || plans_->n != n || plans_->dims != dims) {
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
  run_lines(p.x_forward, LineKind::r2c, p.work);
  run_lines(p.y_forward, LineKind::forward, p.work);
  if (dims == 3) run_lines(p.z_forward, LineKind::forward, p.work);

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
  if (dims == 3) run_lines(p.z_backward, LineKind::backward, p.work);
  run_lines(p.y_backward, LineKind::backward, p.work);
  run_lines(p.x_backward, LineKind::c2r, p.work);

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
