#include "datasets/samplers/batch_plan.h"

#include <algorithm>
#include <numeric>

#include "core/util/error.h"
#include "core/util/random.h"

namespace detseq {

std::vector<int64_t> rank_indices(const SamplerSpec& spec, int64_t n, int64_t epoch) {
  if (spec.world_size < 1 || spec.rank < 0 || spec.rank >= spec.world_size)
    throw Error("sampler: invalid rank " + std::to_string(spec.rank) + " of world size " + std::to_string(spec.world_size));
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (spec.shuffle) {
    // Same permutation on every rank (same seed and epoch), a new one each epoch.
    Rng rng(derive_seed(spec.seed, static_cast<uint64_t>(epoch), ~0ULL, 0x5A3B1E));
    std::shuffle(order.begin(), order.end(), rng);
  }
  if (spec.world_size == 1 || n == 0) return order;
  const int64_t per_rank = (n + spec.world_size - 1) / spec.world_size;
  const int64_t total = spec.round_up ? per_rank * spec.world_size : n;
  for (int64_t i = n; i < total; ++i) order.push_back(order[(i - n) % n] + n);  // pad by repeating, marked
  std::vector<int64_t> mine;
  mine.reserve(per_rank);
  for (int64_t i = spec.rank; i < total; i += spec.world_size) mine.push_back(order[i]);
  return mine;
}

std::vector<std::vector<int64_t>> plan_batches(const SamplerSpec& spec, int64_t n, int64_t epoch,
                                               const std::function<bool(int64_t)>& is_wide) {
  return group_batches(rank_indices(spec, n, epoch), n, spec.batch_size, spec.drop_last,
                       spec.aspect_ratio_grouping ? is_wide : nullptr);
}

std::vector<std::vector<int64_t>> group_batches(const std::vector<int64_t>& indices, int64_t n, int64_t batch_size,
                                                bool drop_last, const std::function<bool(int64_t)>& is_wide) {
  if (batch_size < 1) throw Error("data loader: batch_size must be >= 1, got " + std::to_string(batch_size));
  std::vector<std::vector<int64_t>> batches;
  if (!is_wide) {
    for (size_t i = 0; i < indices.size(); i += batch_size) {
      const size_t end = std::min(indices.size(), i + static_cast<size_t>(batch_size));
      batches.emplace_back(indices.begin() + i, indices.begin() + end);
    }
  } else {
    // Streams indices into a wide and a tall bucket; a full bucket becomes a batch. Leftovers are
    // mixed into final batches.
    std::vector<int64_t> bucket[2];
    for (int64_t i : indices) {
      auto& b = bucket[is_wide(original_index(i, n)) ? 0 : 1];
      b.push_back(i);
      if (static_cast<int64_t>(b.size()) == batch_size) batches.push_back(std::move(b)), b.clear();
    }
    std::vector<int64_t> rest = bucket[0];
    rest.insert(rest.end(), bucket[1].begin(), bucket[1].end());
    for (size_t i = 0; i < rest.size(); i += batch_size) {
      const size_t end = std::min(rest.size(), i + static_cast<size_t>(batch_size));
      batches.emplace_back(rest.begin() + i, rest.begin() + end);
    }
  }
  if (drop_last && !batches.empty() && static_cast<int64_t>(batches.back().size()) < batch_size) batches.pop_back();
  return batches;
}

}  // namespace detseq
