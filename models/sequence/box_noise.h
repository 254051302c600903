// Noise objects of Pix2Seq's sequence augmentation (google-research/pix2seq data_utils semantics),
// on boxes normalised to [0, 1], xyxy. Plain doubles and an explicit Rng keep it deterministic.
#pragma once
#include <array>
#include <vector>

#include "core/util/random.h"

namespace detseq::box_noise {

using Box = std::array<double, 4>;  // x0, y0, x1, y1 in [0, 1]

// N(0, stddev) truncated at two standard deviations (TensorFlow's truncated_normal).
double truncated_normal(Rng& rng, double stddev);

// Each coordinate moves by size * t, t ~ truncated normal with stddev max_range / 2, size = the
// box's width (x) or height (y); clipped to [0, 1]. Duplicates use max_range 0.1 (sigma 0.05 size).
Box jitter(const Box& box, double max_range, Rng& rng);
// Same size, new centre uniform in [0, 1]^2; clipped.
Box shift(const Box& box, Rng& rng);
// Centre uniform, width/height |truncated normal(0, max_size / 2)|; clipped.
Box random_box(Rng& rng, double max_size = 1.0);

enum class Kind { kShifted, kRandom, kDuplicate };

struct NoiseObjects {
  std::vector<Box> boxes;
  std::vector<Kind> kinds;
};

// `count` noise objects for an image with `real` boxes: a uniform number in [0, count] of jittered
// duplicates (none without real boxes), the rest "bad" boxes drawn from a shuffled pool of shifted
// real boxes and random boxes; the result is shuffled.
NoiseObjects make_noise(const std::vector<Box>& real, int count, Rng& rng);

}  // namespace detseq::box_noise
