#include "tracking/Push.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/ParallelFor.hpp"

namespace wakeline {

namespace {
// Maps that can lose a particle return bool (false: lost); the others return void.
template <class Map>
constexpr bool kMapReportsLoss =
    std::is_same_v<bool, decltype(std::declval<const Map&>()(
                             std::declval<double&>(), std::declval<double&>(), std::declval<double&>(),
                             std::declval<double&>(), std::declval<double&>(), std::declval<double&>()))>;
// Maps that hand the tracker a specialised version of themselves (see with_kernel).
template <class Map>
constexpr bool kSpecialized = requires(const Map& m) { m.specialized([](const auto&) {}); };
}  // namespace

SliceStep SliceStep::make(const Element& element, const RefPart& before, const RefPart& after) {
  const elements::ElementCommon& c = common(element);
  SliceStep step;
  step.map = particle_map(element, before, after);
  step.aligned = !c.alignment.active();
  step.dx = c.alignment.dx;
  step.dy = c.alignment.dy;
  const double roll = elements::deg2rad(c.alignment.rotation_deg);
  step.cos_roll = std::cos(roll);
  step.sin_roll = std::sin(roll);
  step.has_aperture = c.aperture.active();
  step.aperture_x = c.aperture.aperture_x;
  step.aperture_y = c.aperture.aperture_y;
  step.s = after.s;
  step.can_lose = step.has_aperture || std::visit(
                                           [](const auto& map) {
                                             using Map = std::decay_t<decltype(map)>;
                                             if constexpr (std::is_same_v<Map, std::monostate>) {
                                               return false;
                                             } else {
                                               return kMapReportsLoss<Map>;
                                             }
                                           },
                                           step.map);
  return step;
}

namespace {

// Misalignment, map, aperture check, alignment undone: ImpactX's order, for one particle.
template <class Map, bool Misaligned, bool Aperture>
struct StepKernel {
  Map map;
  double dx, dy, c, s, ax, ay, s_ref;
  ParticleView v;

  WL_HOST_DEVICE WL_FORCE_INLINE void operator()(std::size_t i) const {
    double x = v.x[i], px = v.px[i], y = v.y[i], py = v.py[i], t = v.t[i], pt = v.pt[i];
    if constexpr (Misaligned) {
      const double xs = x - dx, ys = y - dy;
      x = xs * c + ys * s, y = -xs * s + ys * c;
      const double pxs = px;
      px = pxs * c + py * s, py = -pxs * s + py * c;
    }
    bool alive = true;
    if constexpr (kMapReportsLoss<Map>) {
      alive = map(x, px, y, py, t, pt);
    } else {
      map(x, px, y, py, t, pt);
    }
    if constexpr (Aperture) {
      const double u = x / ax, w = y / ay;
      alive = alive && !(u * u + w * w > 1.0);
    }
    if constexpr (Aperture || kMapReportsLoss<Map>) {
      // Stores selected rather than branched to: a conditional store keeps g++ from vectorising
      // the loop over particles (AVX has no masked 64-bit integer store).
      const std::int64_t id = v.id[i];
      const bool lose = !alive && id > 0;
      v.id[i] = lose ? -id : id;
      v.s_lost[i] = lose ? s_ref : v.s_lost[i];
    }
    if constexpr (Misaligned) {
      const double xr = x * c - y * s, yr = x * s + y * c;
      x = xr + dx, y = yr + dy;
      const double pxr = px * c - py * s;
      py = px * s + py * c, px = pxr;
    }
    v.x[i] = x, v.px[i] = px, v.y[i] = y, v.py[i] = py, v.t[i] = t, v.pt[i] = pt;
  }
};

// Calls f with the step's kernel, its template flags resolved.
template <class F>
void with_kernel(const SliceStep& step, const ParticleView& v, F&& f) {
  const auto run = [&](const auto& map) {
    using Map = std::decay_t<decltype(map)>;
    const auto make = [&]<bool M, bool A>() {
      return StepKernel<Map, M, A>{
          map, step.dx, step.dy, step.cos_roll, step.sin_roll, step.aperture_x, step.aperture_y, step.s, v};
    };
    const bool mis = !step.aligned;
    if (mis && step.has_aperture) {
      f(make.template operator()<true, true>());
    } else if (mis) {
      f(make.template operator()<true, false>());
    } else if (step.has_aperture) {
      f(make.template operator()<false, true>());
    } else {
      f(make.template operator()<false, false>());
    }
  };
  std::visit(
      [&](const auto& map) {
        using Map = std::decay_t<decltype(map)>;
        if constexpr (kSpecialized<Map>) {
          // What varies per map rather than per particle (a chromatic plane's sign of k, an exact
          // bend slice that is a drift) is resolved here, once per block, so that the loop over
          // particles computes only what it needs and has no branch.
          map.specialized(run);
        } else if constexpr (!std::is_same_v<Map, std::monostate>) {
          run(map);
        }
      },
      step.map);
}

}  // namespace

void apply_steps(Particles& beam, std::span<const SliceStep> steps) {
  const ParticleView v(beam);
  if (v.n == 0 || steps.empty()) return;
#if defined(WAKELINE_CUDA)
  // One kernel launch per step over the whole beam.
  for (const SliceStep& step : steps) {
    with_kernel(step, v, [&](const auto& kernel) { parallel_for(v.n, kernel); });
  }
#else
  const std::size_t nblocks = (v.n + kPushBlock - 1) / kPushBlock;
  const auto nb = static_cast<std::int64_t>(nblocks);
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < nb; ++b) {
    const std::size_t begin = static_cast<std::size_t>(b) * kPushBlock;
    const std::size_t end = std::min(v.n, begin + kPushBlock);
    for (const SliceStep& step : steps) {
      with_kernel(step, v, [&](const auto& kernel) {
#pragma omp simd
        for (std::size_t i = begin; i < end; ++i) kernel(i);
      });
    }
  }
#endif
}

}  // namespace wakeline
