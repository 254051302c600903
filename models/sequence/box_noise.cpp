#include "models/sequence/box_noise.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace detseq::box_noise {
namespace {

double clip01(double v) { return std::min(1.0, std::max(0.0, v)); }

Box clipped(Box b) {
  for (double& v : b) v = clip01(v);
  return b;
}

Box centred(double cx, double cy, double w, double h) {
  return clipped({cx - std::abs(w) / 2, cy - std::abs(h) / 2, cx + std::abs(w) / 2, cy + std::abs(h) / 2});
}

template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  // Fisher-Yates with our own index draws: std::shuffle's algorithm is library-specific.
  for (int64_t i = static_cast<int64_t>(v.size()) - 1; i > 0; --i) std::swap(v[i], v[uniform_int(rng, 0, i)]);
}

}  // namespace

double truncated_normal(Rng& rng, double stddev) {
  std::normal_distribution<double> normal(0.0, 1.0);
  for (;;) {
    const double z = normal(rng);
    if (std::abs(z) <= 2.0) return z * stddev;
  }
}

Box jitter(const Box& box, double max_range, Rng& rng) {
  const double w = box[2] - box[0], h = box[3] - box[1];
  const double size[4] = {w, h, w, h};
  Box out;
  for (int i = 0; i < 4; ++i) out[i] = box[i] + size[i] * truncated_normal(rng, max_range / 2);
  return clipped(out);
}

Box shift(const Box& box, Rng& rng) {
  const double cy = uniform(rng, 0, 1), cx = uniform(rng, 0, 1);
  return centred(cx, cy, box[2] - box[0], box[3] - box[1]);
}

Box random_box(Rng& rng, double max_size) {
  const double cy = uniform(rng, 0, 1), cx = uniform(rng, 0, 1);
  const double h = truncated_normal(rng, max_size / 2), w = truncated_normal(rng, max_size / 2);
  return centred(cx, cy, w, h);
}

NoiseObjects make_noise(const std::vector<Box>& real, int count, Rng& rng) {
  NoiseObjects out;
  if (count <= 0) return out;
  const int n = static_cast<int>(real.size());
  const int dup_count = n == 0 ? 0 : static_cast<int>(uniform_int(rng, 0, count));
  const int bad_count = count - dup_count;
  // Tile the real boxes so that every noise object can come from a distinct copy.
  std::vector<Box> tiled;
  const int multiplier = n == 0 ? 1 : count / n + 1;
  for (int m = 0; m < multiplier; ++m) tiled.insert(tiled.end(), real.begin(), real.end());

  using Tagged = std::pair<Box, Kind>;
  std::vector<Tagged> bad;
  shuffle(tiled, rng);
  for (int i = 0; i < std::min<int>(bad_count, tiled.size()); ++i) bad.push_back({shift(tiled[i], rng), Kind::kShifted});
  for (int i = 0; i < bad_count; ++i) bad.push_back({random_box(rng), Kind::kRandom});
  shuffle(bad, rng);
  bad.resize(bad_count);

  std::vector<Tagged> all = bad;
  shuffle(tiled, rng);
  for (int i = 0; i < dup_count; ++i) all.push_back({jitter(tiled[i], 0.1, rng), Kind::kDuplicate});
  shuffle(all, rng);
  for (auto& [box, kind] : all) {
    out.boxes.push_back(box);
    out.kinds.push_back(kind);
  }
  return out;
}

}  // namespace detseq::box_noise
