// The order of one epoch, decided up front from (seed, epoch) only: shuffle, distributed split
// (padded by repetition to an even split, like torch's DistributedSampler), optional aspect-ratio
// grouping, batching. Knowing every batch in advance is what makes resuming at batch k free.
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
};

// This rank's share of the dataset indices for `epoch`.
std::vector<int64_t> rank_indices(const SamplerSpec& spec, int64_t dataset_size, int64_t epoch);

// Batches of dataset indices for this rank. `is_wide(i)` (w >= h) groups batches by orientation
// when aspect_ratio_grouping is on (mmdetection's two buckets).
std::vector<std::vector<int64_t>> plan_batches(const SamplerSpec& spec, int64_t dataset_size, int64_t epoch,
                                               const std::function<bool(int64_t)>& is_wide);

}  // namespace detseq
