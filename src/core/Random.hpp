#pragma once
#include <cmath>
#include <cstdint>

#include "core/Constants.hpp"

namespace wakeline {

// Counter-based random streams: particle i of a beam draws from its own stream, keyed by
// (seed, i). A run is therefore bit-reproducible for a given seed at any thread count, since
// no stream depends on which thread generated which particle.
class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t stream) {
    // Hash (seed, stream) into the starting point of a splitmix64 sequence. Hashing both keys
    // keeps the streams of neighbouring particles (and seeds) from sharing state words.
    std::uint64_t sm = mix64(seed + mix64(stream + 0x632BE59BD9B4E019ULL));
    for (auto& s : state_) s = splitmix64(sm);
  }
  // Uniform in (0, 1): never exactly 0, so log(u) is finite.
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Standard normal (Box-Muller; one value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double phi = 2.0 * constants::pi * uniform();
    spare_ = r * std::sin(phi);
    has_spare_ = true;
    return r * std::cos(phi);
  }

 private:
  static std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  static std::uint64_t splitmix64(std::uint64_t& x) { return mix64(x += 0x9E3779B97F4A7C15ULL); }
  static std::uint64_t rotl(std::uint64_t v, int k) { return (v << k) | (v >> (64 - k)); }
  // xoshiro256** (Blackman & Vigna)
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  std::uint64_t state_[4]{};
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace wakeline
