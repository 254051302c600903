// The plain batch sampler (consecutive indices) and mmdetection's AspectRatioBatchSampler
// (wide and tall images in separate batches); the grouping itself is batch_plan.h's.
#include "core/interfaces/sampler.h"
#include "datasets/samplers/batch_plan.h"

namespace detseq {
namespace {

struct NoOptions {
  template <class V>
  void visit(V&) {}
};

class PlainBatchSampler : public BatchSampler {
 public:
  explicit PlainBatchSampler(const NoOptions&) {}
  std::vector<std::vector<int64_t>> batches(const std::vector<int64_t>& indices, int64_t dataset_size,
                                            int64_t batch_size, bool drop_last,
                                            const std::function<bool(int64_t)>& is_wide) const override {
    return group_batches(indices, dataset_size, batch_size, drop_last, nullptr);
  }
};

class AspectRatioBatchSampler : public BatchSampler {
 public:
  explicit AspectRatioBatchSampler(const NoOptions&) {}
  std::vector<std::vector<int64_t>> batches(const std::vector<int64_t>& indices, int64_t dataset_size,
                                            int64_t batch_size, bool drop_last,
                                            const std::function<bool(int64_t)>& is_wide) const override {
    return group_batches(indices, dataset_size, batch_size, drop_last, is_wide);
  }
};

}  // namespace

DETSEQ_REGISTER_AS(BatchSampler, PlainBatchSampler, NoOptions, "BatchSampler",
                   "consecutive indices, batch_size at a time (the default)");
DETSEQ_REGISTER_AS(BatchSampler, AspectRatioBatchSampler, NoOptions, "AspectRatioBatchSampler",
                   "batches of only wide or only tall images (mmdetection)");

}  // namespace detseq
