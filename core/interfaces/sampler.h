// Interfaces of a data loader's `sampler:` (which indices a rank visits in an epoch, in which
// order) and `batch_sampler:` (how those indices are grouped into batches), mmengine's
// DATA_SAMPLERS. Both are registry families: a new sampler is one file.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/registry/registry.h"

namespace detseq {

struct SamplerContext {
  int64_t dataset_size = 0;
  int64_t epoch = 0;
  uint64_t seed = 0;  // the loader's seed; the same on every rank
  int rank = 0;
  int world_size = 1;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // This rank's dataset indices for an epoch. A repeat that pads a distributed split is returned
  // as `index + dataset_size` (see is_padding_repeat in datasets/samplers/batch_plan.h).
  virtual std::vector<int64_t> indices(const SamplerContext& context) const = 0;
  // True: the loader does not end with the epoch but continues with the next epoch's order.
  virtual bool infinite() const { return false; }
};

class BatchSampler {
 public:
  virtual ~BatchSampler() = default;
  // Groups `indices` (a Sampler's output) into batches of `batch_size`; `is_wide(i)` tells the
  // orientation of dataset index i (original index, padding repeats already mapped back).
  virtual std::vector<std::vector<int64_t>> batches(const std::vector<int64_t>& indices, int64_t dataset_size,
                                                    int64_t batch_size, bool drop_last,
                                                    const std::function<bool(int64_t)>& is_wide) const = 0;
};

DETSEQ_DECLARE_FAMILY(Sampler, "sampler", "data loader: the indices of one epoch on this rank, in order");
DETSEQ_DECLARE_FAMILY(BatchSampler, "batch_sampler", "data loader: indices -> batches (plain, aspect-ratio groups)");

}  // namespace detseq
