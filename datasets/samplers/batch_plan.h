// The order of one epoch, decided up front from (seed, epoch) only: shuffle, distributed split
// (padded by repetition to an even split, like torch's DistributedSampler, or not with
// round_up: false), optional aspect-ratio grouping, batching. Knowing every batch in advance is
// what makes resuming at batch k free.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace detseq {

struct SamplerSpec {
  bool shuffle = true;
  uint64_t seed = 0;
  int64_t batch_size = 1;
  bool drop_last = false;
  bool aspect_ratio_grouping = false;
  int rank = 0;
  int world_size = 1;
  bool round_up = true;  // false: no padding; the first (n % world_size) ranks get one more index
};

// A padding repeat is returned as `index + dataset_size`, so consumers can tell it from the
// original: the DataLoader loads `index` and marks it (ImageMeta::padding_repeat), and evaluation
// leaves it out so no image is counted twice.
inline bool is_padding_repeat(int64_t index, int64_t dataset_size) { return index >= dataset_size; }
inline int64_t original_index(int64_t index, int64_t dataset_size) {
  return index >= dataset_size ? index - dataset_size : index;
}

// This rank's share of the dataset indices for `epoch`.
std::vector<int64_t> rank_indices(const SamplerSpec& spec, int64_t dataset_size, int64_t epoch);

// Splits a rank's `indices` into batches; with `is_wide`, wide and tall images go to separate
// batches (leftovers of both mixed at the end). drop_last drops a final short batch.
std::vector<std::vector<int64_t>> group_batches(const std::vector<int64_t>& indices, int64_t dataset_size,
                                                int64_t batch_size, bool drop_last,
                                                const std::function<bool(int64_t)>& is_wide);

// Batches of dataset indices for this rank. `is_wide(i)` (w >= h) groups batches by orientation
// when aspect_ratio_grouping is on (mmdetection's two buckets).
std::vector<std::vector<int64_t>> plan_batches(const SamplerSpec& spec, int64_t dataset_size, int64_t epoch,
                                               const std::function<bool(int64_t)>& is_wide);

}  // namespace detseq
