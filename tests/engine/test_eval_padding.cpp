// Distributed evaluation: the repeats that pad a rank's share to an even split are left out of the
// metrics, so an image is counted once however the dataset divides over the ranks.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/engine/runner_internal.h"
#include "core/interfaces/metric.h"

namespace detseq {
namespace {

struct RecordingMetric : Metric {
  std::vector<int64_t> image_ids;
  size_t detections = 0;
  void reset(const Dataset&) override {}
  void process(const Batch& batch, const std::vector<Detections>& dets) override {
    ASSERT_EQ(batch.metas.size(), dets.size());
    ASSERT_EQ(batch.instances.size(), dets.size());
    for (const auto& m : batch.metas) image_ids.push_back(m.image_id);
    detections += dets.size();
  }
  std::string serialize_results() const override { return ""; }
  void merge_results(const std::string&) override {}
  std::map<std::string, double> compute() override { return {}; }
};

Batch batch_of(const std::vector<std::pair<int64_t, bool>>& images) {
  Batch b;
  for (const auto& [id, repeat] : images) {
    ImageMeta m;
    m.image_id = id;
    m.padding_repeat = repeat;
    b.metas.push_back(m);
    b.instances.push_back(Instances::empty());
  }
  return b;
}

TEST(EvalPadding, PaddingRepeatsAreNotEvaluated) {
  auto metric = std::make_shared<RecordingMetric>();
  std::vector<std::shared_ptr<Metric>> metrics{metric};
  RunnerInternal::process_metrics(metrics, batch_of({{1, false}, {2, true}, {3, false}}), std::vector<Detections>(3));
  RunnerInternal::process_metrics(metrics, batch_of({{4, true}}), std::vector<Detections>(1));  // nothing left
  RunnerInternal::process_metrics(metrics, batch_of({{5, false}}), std::vector<Detections>(1));
  EXPECT_EQ(metric->image_ids, (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(metric->detections, 3u);
}

}  // namespace
}  // namespace detseq
