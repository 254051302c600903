// CocoMetric: detections (xyxy, labels) -> COCO results, multi-rank merge, options and names.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "core/evaluation/coco_eval.h"
#include "core/evaluation/coco_json.h"
#include "core/evaluation/coco_metric.h"
#include "core/evaluation/coco_summary.h"
#include "core/util/error.h"
#include "tests/evaluation/coco_cases.h"

using namespace detseq;
using namespace detseq::testing;
namespace fs = std::filesystem;

namespace {

// Two classes mapped to COCO category ids 5 and 9; ground truth on images 1 and 2.
class FakeDataset : public Dataset {
 public:
  FakeDataset() {
    meta_.classes = {"five", "nine"};
    gt_ = {{image(1), image(2)},
           {ann(1, 1, 5, {10, 10, 100, 50}), ann(2, 2, 9, {0, 0, 40, 40}), ann(3, 2, 5, {200, 200, 30, 30})},
           {{5, "five"}, {9, "nine"}, {11, "not a class"}},
           {}};
  }
  size_t size() const override { return 2; }
  std::optional<Sample> get(size_t, Rng&) override { return std::nullopt; }
  const DatasetMeta& metainfo() const override { return meta_; }
  const CocoGroundTruth& ground_truth() const override { return gt_; }
  int64_t label_to_category(int64_t label) const override { return label == 0 ? 5 : 9; }
  double aspect_ratio(size_t) const override { return 1.0; }

 private:
  DatasetMeta meta_;
  CocoGroundTruth gt_;
};

Detections dets(int64_t image_id, std::vector<std::array<float, 4>> xyxy, std::vector<float> scores,
                std::vector<int64_t> labels) {
  Detections d;
  d.image_id = image_id;
  d.boxes = torch::zeros({static_cast<int64_t>(xyxy.size()), 4});
  for (size_t i = 0; i < xyxy.size(); ++i)
    for (int j = 0; j < 4; ++j) d.boxes[i][j] = xyxy[i][j];
  d.scores = torch::tensor(scores);
  d.labels = torch::tensor(labels);
  return d;
}

Batch batch_of(std::vector<int64_t> ids) {
  Batch b;
  for (int64_t id : ids) {
    ImageMeta m;
    m.image_id = id;
    b.metas.push_back(m);
  }
  return b;
}

}  // namespace

TEST(CocoMetric, ConvertsBoxesAndLabelsAndMatchesDirectEvaluation) {
  FakeDataset ds;
  CocoMetric metric(CocoMetricOptions{});
  metric.reset(ds);
  metric.process(batch_of({1}), {dets(1, {{10, 10, 110, 60}, {0, 0, 5, 5}}, {0.9f, 0.3f}, {0, 1})});
  metric.process(batch_of({2}), {dets(2, {{0, 0, 40, 40}}, {0.8f}, {1})});
  ASSERT_EQ(metric.results().size(), 3u);
  const CocoResult& r = metric.results()[0];
  EXPECT_EQ(r.image_id, 1);
  EXPECT_EQ(r.category_id, 5);
  EXPECT_EQ(r.bbox, (std::array<double, 4>{10, 10, 100, 50}));
  EXPECT_EQ(r.score, static_cast<double>(0.9f));
  EXPECT_EQ(metric.results()[1].category_id, 9);

  const auto scores = metric.compute();
  // Only the classes' categories are evaluated (11 is not a class): category 5 finds 1 of 2 boxes (AP 51/101), category 9 ranks its TP first (AP 1).
  coco::EvalParams p;
  p.cat_ids = {5, 9};
  const auto direct = coco::summarize(coco::evaluate(ds.ground_truth(), metric.results(), p));
  ASSERT_EQ(scores.size(), 6u);
  EXPECT_DOUBLE_EQ(scores.at("coco/bbox_mAP"), direct[0].value);
  EXPECT_DOUBLE_EQ(scores.at("coco/bbox_mAP_50"), direct[1].value);
  EXPECT_DOUBLE_EQ(scores.at("coco/bbox_mAP_l"), direct[5].value);
  EXPECT_NEAR(scores.at("coco/bbox_mAP_50"), (51.0 / 101 + 1.0) / 2, 1e-12);
}

TEST(CocoMetric, SerializedResultsMergeLikeOneRank) {
  FakeDataset ds;
  CocoMetricOptions o;
  o.metric_items = {"mAP", "AR@100"};
  CocoMetric rank0(o), rank1(o), single(o);
  rank0.reset(ds);
  rank1.reset(ds);
  single.reset(ds);
  const auto a = dets(1, {{10, 10, 110, 60}}, {0.9f}, {0});
  const auto b = dets(2, {{0, 0, 40, 40}, {200, 200, 230, 230}}, {0.8f, 0.7f}, {1, 0});
  rank0.process(batch_of({1}), {a});
  rank1.process(batch_of({2}), {b});
  single.process(batch_of({1, 2}), {a, b});
  rank0.merge_results(rank1.serialize_results());
  const auto merged = rank0.compute();
  EXPECT_EQ(merged, single.compute());
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_NEAR(merged.at("coco/bbox_mAP"), 1.0, 1e-12);
  EXPECT_NEAR(merged.at("coco/bbox_AR@100"), 1.0, 1e-12);
  EXPECT_THROW(rank0.merge_results("abc"), Error);
}

TEST(CocoMetric, ImageIdFromMetaAndEmptyDetections) {
  FakeDataset ds;
  CocoMetric metric(CocoMetricOptions{});
  metric.reset(ds);
  Detections d = dets(-1, {{0, 0, 40, 40}}, {0.8f}, {1});
  Detections other;  // a second image (id 1) without detections
  other.image_id = 1;
  metric.process(batch_of({2}), {d, other});
  ASSERT_EQ(metric.results().size(), 1u);
  EXPECT_EQ(metric.results()[0].image_id, 2);
}

TEST(CocoMetric, FormatOnlyWritesResultsJsonThatRoundTrips) {
  const fs::path dir = fs::temp_directory_path() / "detseq_test_metric_format";
  fs::remove_all(dir);
  FakeDataset ds;
  CocoMetricOptions o;
  o.format_only = true;
  o.outfile_prefix = (dir / "res").string();
  CocoMetric metric(o);
  metric.reset(ds);
  metric.process(batch_of({1}), {dets(1, {{10.25f, 10, 110, 60.5f}}, {0.9f}, {0})});
  EXPECT_TRUE(metric.compute().empty());
  const auto back = coco::load_results((dir / "res.bbox.json").string());
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].bbox, metric.results()[0].bbox);
  EXPECT_EQ(back[0].score, metric.results()[0].score);
  fs::remove_all(dir);
}

TEST(CocoMetric, OptionErrors) {
  CocoMetricOptions o;
  o.metric_items = {"mAP_5O"};
  try {
    CocoMetric m(o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mAP_50"), std::string::npos) << e.what();
  }
  CocoMetricOptions f;
  f.format_only = true;
  EXPECT_THROW(CocoMetric m(f), ConfigError);
  CocoMetricOptions s;
  s.metric = "segm";
  EXPECT_THROW(CocoMetric m(s), ConfigError);
  CocoMetricOptions md;
  md.max_dets = {100, 300, 1000};
  md.metric_items = {"AR@1000", "AR_s@1000"};
  EXPECT_NO_THROW(CocoMetric m(md));
}
