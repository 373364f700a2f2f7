// The simulator's own random numbers: xoshiro256** seeded through splitmix64, with distributions
// written out here. std:: distributions are implementation-defined, so a seeded run would differ
// between standard libraries; these give the same sequence for a seed on every build.
//
//   SimRandom rng(42, /*stream=*/3);          // one independent stream per machine
//   double u = rng.Uniform();                  // [0, 1)
//   double repair_s = rng.Exponential(300.0);  // mean 300
#pragma once

#include <cmath>
#include <cstdint>

namespace gantry::sim {

// splitmix64 step: advances `state` and returns the next output. Used to expand seeds.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A deterministic pseudo-random generator (xoshiro256**). Not thread-safe; cheap to copy.
class SimRandom {
 public:
  // `stream` selects an independent sequence for the same seed (e.g. the machine index).
  explicit SimRandom(uint64_t seed, uint64_t stream = 0) {
    uint64_t sm = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (uint64_t& word : s_) word = SplitMix64(sm);
  }

  // Next raw 64-bit output.
  uint64_t Next() {
    const uint64_t result = RotateLeft(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = RotateLeft(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  // Uniform integer in [0, n); n > 0. Multiply-shift, bias below 2^-32 for the small n used here.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }

  // True with probability p.
  bool Chance(double p) { return Uniform() < p; }

  // Exponentially distributed with the given mean (inverse transform).
  double Exponential(double mean) { return -mean * std::log1p(-Uniform()); }

  // Standard normal (Box-Muller, one value per call so that the draw count stays simple).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Normal with mean and standard deviation.
  double Normal(double mean, double stddev) { return mean + stddev * Normal(); }

 private:
  static uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace gantry::sim
