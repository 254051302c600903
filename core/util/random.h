// Deterministic randomness for data: every sample's generator is derived from
// (seed, epoch, index, repeat), so batches do not depend on thread count or scheduling.
#pragma once
#include <cstdint>
#include <random>

namespace detseq {

using Rng = std::mt19937_64;

// SplitMix64 finaliser: mixes the inputs into a well-spread 64-bit seed.
inline uint64_t mix_seed(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t derive_seed(uint64_t seed, uint64_t epoch, uint64_t index, uint64_t repeat = 0) {
  return mix_seed(mix_seed(mix_seed(mix_seed(seed) ^ epoch) ^ index) ^ repeat);
}

inline Rng sample_rng(uint64_t seed, uint64_t epoch, uint64_t index, uint64_t repeat = 0) {
  return Rng(derive_seed(seed, epoch, index, repeat));
}

// Uniform real in [lo, hi).
inline double uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
// Uniform integer in [lo, hi].
inline int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

}  // namespace detseq
