// Test-time augmentation: TestTimeAug's views (product order, metas, one random stream), collate of
// views, the NMS / WBF merges against hand-derived values, DetTTAModel over a detector whose
// predictions are exact (so every view must map back to the same original boxes), and the config
// rewrite of `detseq test --tta`.
#include <gtest/gtest.h>

#include "core/config/config.h"
#include "core/config/yaml_io.h"
#include "core/engine/test_time_aug_config.h"
#include "core/interfaces/data.h"
#include "core/interfaces/model.h"
#include "core/structures/box_mapping.h"
#include "core/structures/detection_merge.h"
#include "core/util/error.h"
#include "datasets/loader/collate.h"
#include "pipelines/compose.h"

namespace detseq {
namespace {

// A 120x80 image with one box [30, 20, 70, 50] (label 3).
Sample box_sample(int64_t image_id = 7) {
  Sample s;
  s.image = torch::zeros({80, 120, 3}, torch::kUInt8);
  s.image.narrow(0, 20, 30).narrow(1, 30, 40).fill_(255);
  s.instances.boxes = torch::tensor({30.f, 20.f, 70.f, 50.f}).view({1, 4});
  s.instances.labels = torch::tensor({int64_t(3)});
  s.instances.ignore = torch::tensor({false});
  auto& m = s.meta;
  m.image_id = image_id;
  m.file_path = "img" + std::to_string(image_id) + ".jpg";
  m.ori_height = m.img_height = m.pad_height = 80;
  m.ori_width = m.img_width = m.pad_width = 120;
  return s;
}

const char* kScalesAndFlips = R"(
- type: TestTimeAug
  transforms:
    - [{type: Resize, scale_factor: 0.5}, {type: Resize, scale_factor: 1.0}]
    - [{type: RandomFlip, prob: 1.0}, {type: RandomFlip, prob: 0.0}]
    - [{type: PackDetInputs}]
)";

Compose pipeline(const std::string& yaml) { return Compose::from_node(parse_yaml_string(yaml, "<test>"), "pipeline"); }

TEST(TestTimeAug, OneViewPerCombinationFirstStageSlowest) {
  Sample s = box_sample();
  Rng rng(1);
  ASSERT_TRUE(pipeline(kScalesAndFlips).apply(s, rng));
  ASSERT_EQ(s.views.size(), 4u);
  const int64_t widths[] = {60, 60, 120, 120};
  const bool flipped[] = {true, false, true, false};
  for (size_t v = 0; v < 4; ++v) {
    const Sample& view = s.views[v];
    EXPECT_EQ(view.image.sizes(), (torch::IntArrayRef{3, widths[v] * 2 / 3, widths[v]})) << v;
    EXPECT_EQ(view.image.scalar_type(), torch::kFloat32) << v;
    EXPECT_EQ(view.meta.flipped, flipped[v]) << v;
    EXPECT_EQ(view.meta.scale_x < 0, flipped[v]) << v;
    // Each view's box maps back to the original box through its own meta.
    const torch::Tensor back = boxes_to_original(view.instances.boxes, view.meta, EdgeOrder::kSwapOnFlip, true);
    EXPECT_TRUE(torch::allclose(back, torch::tensor({30.f, 20.f, 70.f, 50.f}).view({1, 4}), 1e-4, 1e-4))
        << v << ": " << back;
  }
  // The sample itself reads as view 0, so single-view code still sees a packed sample.
  EXPECT_TRUE(torch::equal(s.image, s.views[0].image));
  EXPECT_EQ(s.meta.flipped, true);
}

TEST(TestTimeAug, ViewsDoNotShareTensorsWithTheInputOrEachOther) {
  Sample s = box_sample();
  const torch::Tensor original = s.image;
  Rng rng(1);
  ASSERT_TRUE(pipeline(R"(
- type: TestTimeAug
  transforms: [[{type: RandomFlip, prob: 0.0}, {type: RandomFlip, prob: 0.0}]]
)")
                  .apply(s, rng));
  ASSERT_EQ(s.views.size(), 2u);
  s.views[0].image.fill_(9);
  EXPECT_EQ(s.views[1].image.max().item<int>(), 255);
  EXPECT_EQ(original.max().item<int>(), 255);
}

TEST(TestTimeAug, BadStagesAndLaterStepsAreErrors) {
  const auto build_error = [](const std::string& yaml) {
    try {
      pipeline(yaml);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(build_error("[{type: TestTimeAug, transforms: [{type: RandomFlip}]}]")
                .find("pipeline.0.transforms.0 (<test>:1): a TestTimeAug stage is a non-empty list"),
            std::string::npos);
  EXPECT_NE(build_error("[{type: TestTimeAug, transforms: [[]]}]").find("non-empty list"), std::string::npos);
  EXPECT_NE(build_error("[{type: TestTimeAug, transforms: []}]").find("at least one stage"), std::string::npos);
  Sample s = box_sample();
  Rng rng(1);
  try {
    pipeline("[{type: TestTimeAug, transforms: [[{type: RandomFlip, prob: 1.0}]]}, {type: PackDetInputs}]")
        .apply(s, rng);
    FAIL() << "a step after TestTimeAug must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not the last step"), std::string::npos) << e.what();
  }
}

Batch flip_batch();

TEST(Collate, BatchesTheJthViewsOfAllImages) {
  const Batch batch = flip_batch();
  ASSERT_EQ(batch.views.size(), 4u);
  EXPECT_EQ(batch.images.sizes(), (torch::IntArrayRef{2, 3, 40, 60}));  // view 0
  for (size_t v = 0; v < 4; ++v) {
    ASSERT_EQ(batch.views[v].size(), 2);
    EXPECT_EQ(batch.views[v].metas[0].image_id, 1);
    EXPECT_EQ(batch.views[v].metas[1].image_id, 2);
  }
  EXPECT_EQ(batch.views[2].images.sizes(), (torch::IntArrayRef{2, 3, 80, 120}));
  std::vector<Sample> mixed;
  mixed.push_back(box_sample(1));
  mixed.back().image = torch::zeros({3, 80, 120});
  Sample with_views = box_sample(2);
  Rng rng(1);
  ASSERT_TRUE(pipeline(kScalesAndFlips).apply(with_views, rng));
  mixed.push_back(std::move(with_views));
  EXPECT_THROW(collate(mixed), Error);
}

Detections dets(std::vector<std::array<float, 4>> boxes, std::vector<float> scores, std::vector<int64_t> labels) {
  Detections d;
  d.image_id = 5;
  d.boxes = torch::empty({static_cast<int64_t>(boxes.size()), 4});
  for (size_t i = 0; i < boxes.size(); ++i)
    for (int k = 0; k < 4; ++k) d.boxes[i][k] = boxes[i][k];
  d.scores = torch::tensor(scores);
  d.labels = torch::tensor(labels);
  return d;
}

TEST(MergeDetections, NmsKeepsTheBestOfEachClassOverlapGroup) {
  // View A: [0,0,10,10] 0.9 and [20,20,30,30] 0.3; view B: [1,0,11,10] 0.8 (IoU 9/11 with A's
  // first), the same box as class 1 (other class: kept) and [50,50,60,60] 0.7.
  const auto a = dets({{0, 0, 10, 10}, {20, 20, 30, 30}}, {0.9f, 0.3f}, {0, 0});
  const auto b = dets({{1, 0, 11, 10}, {1, 0, 11, 10}, {50, 50, 60, 60}}, {0.8f, 0.6f, 0.7f}, {0, 1, 0});
  const Detections m = merge_by_nms({a, b}, 0.5, 100);
  EXPECT_EQ(m.image_id, 5);
  ASSERT_EQ(m.size(), 4);
  EXPECT_TRUE(torch::allclose(m.scores, torch::tensor({0.9f, 0.7f, 0.6f, 0.3f})));
  EXPECT_TRUE(torch::equal(m.labels, torch::tensor(std::vector<int64_t>{0, 0, 1, 0})));
  EXPECT_TRUE(torch::allclose(m.boxes[0], torch::tensor({0.f, 0.f, 10.f, 10.f})));
  // IoU 9/11 = 0.818 is not above 0.85: both kept; max_per_img cuts the lowest scores.
  EXPECT_EQ(merge_by_nms({a, b}, 0.85, 100).size(), 5);
  EXPECT_EQ(merge_by_nms({a, b}, 0.5, 2).size(), 2);
}

TEST(MergeDetections, WbfAveragesByScoreAndDownweightsBoxesFewViewsFound) {
  // Two views: [0,0,10,10] 0.9 and [2,0,12,10] 0.6 fuse (IoU 8/12 = 0.667 > 0.55) into the
  // score-weighted mean x1 = (0.9*0 + 0.6*2) / 1.5 = 0.8, x2 = 10.8, score (0.9 + 0.6) / 2 = 0.75;
  // [40,40,50,50] 0.8, found by one view of two, scores 0.8 * 1/2 = 0.4.
  const auto a = dets({{0, 0, 10, 10}, {40, 40, 50, 50}}, {0.9f, 0.8f}, {2, 2});
  const auto b = dets({{2, 0, 12, 10}}, {0.6f}, {2});
  const Detections m = merge_by_wbf({a, b}, 0.55, 100);
  ASSERT_EQ(m.size(), 2);
  EXPECT_TRUE(torch::allclose(m.scores, torch::tensor({0.75f, 0.4f})));
  EXPECT_TRUE(torch::allclose(m.boxes[0], torch::tensor({0.8f, 0.f, 10.8f, 10.f}), 1e-5, 1e-5)) << m.boxes;
  EXPECT_TRUE(torch::allclose(m.boxes[1], torch::tensor({40.f, 40.f, 50.f, 50.f})));
  // Another class never fuses; skip_box_thr drops low scores before fusing.
  const auto c = dets({{2, 0, 12, 10}}, {0.6f}, {3});
  EXPECT_EQ(merge_by_wbf({a, c}, 0.55, 100).size(), 3);
  EXPECT_EQ(merge_by_wbf({a, b}, 0.55, 100, 0.7).size(), 2);  // 0.6 dropped: 0.9 alone -> 0.45
  EXPECT_NEAR(merge_by_wbf({a, b}, 0.55, 100, 0.7).scores[0].item<float>(), 0.45f, 1e-6);
  Detections other_image = b;
  other_image.image_id = 6;
  EXPECT_THROW(merge_by_wbf({a, other_image}, 0.5, 10), Error);
  EXPECT_THROW(merge_by_nms({a, other_image}, 0.5, 10), Error);
}

// Predicts each image's ground-truth boxes exactly (in the view's pixels, mapped back through the
// view's meta) with a score that tells views apart, plus a view-only box when the view is flipped.
struct OracleDetectorOptions {
  template <class V>
  void visit(V&) {}
};
class OracleDetector : public Detector {
 public:
  explicit OracleDetector(const OracleDetectorOptions&) { weight = register_parameter("weight", torch::ones({1})); }
  LossDict loss(const Batch&) override { return {}; }
  std::vector<Detections> predict(const Batch& batch) override {
    std::vector<Detections> out;
    for (int64_t i = 0; i < batch.size(); ++i) {
      const ImageMeta& m = batch.metas[i];
      torch::Tensor boxes = boxes_to_original(batch.instances[i].boxes, m, EdgeOrder::kSwapOnFlip, true);
      torch::Tensor scores = torch::full({boxes.size(0)}, m.flipped ? 0.8f : 0.9f);
      torch::Tensor labels = batch.instances[i].labels;
      if (m.flipped) {
        boxes = torch::cat({boxes, torch::tensor({100.f, 60.f, 110.f, 70.f}).view({1, 4})});
        scores = torch::cat({scores, torch::tensor({0.5f})});
        labels = torch::cat({labels, torch::tensor({int64_t(1)})});
      }
      out.push_back({m.image_id, boxes, scores, labels});
    }
    return out;
  }
  torch::Tensor weight;
};
DETSEQ_REGISTER(Detector, OracleDetector, OracleDetectorOptions);

Batch flip_batch() {
  std::vector<Sample> samples;
  for (int64_t id : {1, 2}) {
    Sample s = box_sample(id);
    Rng rng(1);
    EXPECT_TRUE(pipeline(kScalesAndFlips).apply(s, rng));
    samples.push_back(std::move(s));
  }
  return collate(samples);
}

std::shared_ptr<Detector> tta_model(const std::string& merge) {
  return build<Detector>(
      parse_yaml_string("{type: DetTTAModel, module: {type: OracleDetector}, tta_cfg: {nms: {type: " + merge +
                            ", iou_threshold: 0.5}, max_per_img: 10}}",
                        "<test>"),
      "model");
}

TEST(DetTTAModel, EveryViewMapsBackToTheSameBoxesAndNmsKeepsOne) {
  const auto model = tta_model("nms");
  const std::vector<Detections> out = model->predict(flip_batch());
  ASSERT_EQ(out.size(), 2u);
  for (const Detections& d : out) {
    ASSERT_EQ(d.size(), 2) << "the ground-truth box once, and the flipped views' extra box once";
    EXPECT_TRUE(torch::allclose(d.boxes[0], torch::tensor({30.f, 20.f, 70.f, 50.f}), 1e-4, 1e-4)) << d.boxes;
    EXPECT_NEAR(d.scores[0].item<float>(), 0.9f, 1e-6);
    EXPECT_EQ(d.labels[0].item<int64_t>(), 3);
    EXPECT_NEAR(d.scores[1].item<float>(), 0.5f, 1e-6);
  }
  EXPECT_EQ(out[1].image_id, 2);
}

TEST(DetTTAModel, WbfAveragesTheViewsScores) {
  const std::vector<Detections> out = tta_model("wbf")->predict(flip_batch());
  ASSERT_EQ(out[0].size(), 2);
  // 4 views found the box: (0.8 + 0.9 + 0.8 + 0.9) / 4; 2 of 4 the extra box: 0.5 * 2 / 4.
  EXPECT_NEAR(out[0].scores[0].item<float>(), 0.85f, 1e-6);
  EXPECT_NEAR(out[0].scores[1].item<float>(), 0.25f, 1e-6);
  EXPECT_TRUE(torch::allclose(out[0].boxes[0], torch::tensor({30.f, 20.f, 70.f, 50.f}), 1e-4, 1e-4));
}

TEST(DetTTAModel, NeedsViewsOnlyPredictsAndLoadsIntoItsModule) {
  const auto model = tta_model("nms");
  Batch plain;
  plain.metas.resize(1);
  EXPECT_THROW(model->predict(plain), Error);
  EXPECT_THROW(model->loss(plain), Error);
  // Checkpoints keep the wrapped detector's key names.
  EXPECT_EQ(model->checkpoint_module().named_parameters().keys(), std::vector<std::string>{"weight"});
  EXPECT_EQ(model->named_parameters().keys(), std::vector<std::string>{"module.weight"});
  try {
    tta_model("soft");
    FAIL() << "an unknown merge type must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown box_merge type 'soft' (registered: nms, wbf)"), std::string::npos);
  }
}

Config config_of(const std::string& yaml) {
  Config c;
  c.root = parse_yaml_string(yaml, "tta.yaml");
  c.filename = "tta.yaml";
  return c;
}

const char* kTestConfig = R"(
model: {type: OracleDetector}
test_dataloader:
  dataset:
    type: RepeatDataset
    dataset:
      type: CocoDataset
      pipeline:
        - {type: LoadImageFromFile}
        - {type: Resize, scale: [64, 64]}
        - {type: Normalize, mean: [0, 0, 0], std: [1, 1, 1]}
        - {type: PackDetInputs}
)";

TEST(TestTimeAugConfig, DefaultsWrapTheModelAndAddFlipViewsBeforeNormalize) {
  Config c = config_of(kTestConfig);
  apply_test_time_augmentation(c);
  EXPECT_EQ(c.root.find_path("model.type")->as<std::string>("t"), "DetTTAModel");
  EXPECT_EQ(c.root.find_path("model.module.type")->as<std::string>("t"), "OracleDetector");
  EXPECT_EQ(c.root.find_path("model.tta_cfg.nms.iou_threshold")->as<double>("t"), 0.5);
  const ConfigNode& p = *c.root.find_path("test_dataloader.dataset.dataset.pipeline");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].at("type").as<std::string>("t"), "Resize");
  EXPECT_EQ(p[2].at("type").as<std::string>("t"), "TestTimeAug");
  const ConfigNode& stages = p[2].at("transforms");
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0][0].at("prob").as<double>("t"), 1.0);
  EXPECT_EQ(stages[0][1].at("prob").as<double>("t"), 0.0);
  ASSERT_EQ(stages[1].size(), 1u);
  EXPECT_EQ(stages[1][0].size(), 2u);  // Normalize, PackDetInputs as one alternative
  // The result builds: a model, and a pipeline whose views run.
  EXPECT_NO_THROW(build<Detector>(*c.root.find("model"), "model"));
  EXPECT_NO_THROW(Compose::from_node(p, "pipeline"));
}

TEST(TestTimeAugConfig, TheConfigsTtaModelAndPipelineWin) {
  Config c = config_of(std::string(kTestConfig) + R"(
tta_model: {type: DetTTAModel, tta_cfg: {nms: {type: wbf, iou_threshold: 0.6}}}
tta_pipeline: [{type: LoadImageFromFile}, {type: TestTimeAug, transforms: [[{type: PackDetInputs}]]}]
)");
  apply_test_time_augmentation(c);
  EXPECT_EQ(c.root.find_path("model.tta_cfg.nms.type")->as<std::string>("t"), "wbf");
  EXPECT_EQ(c.root.find_path("test_dataloader.dataset.dataset.pipeline")->size(), 2u);
  Config with_module = config_of(std::string(kTestConfig) + "tta_model: {type: DetTTAModel, module: {type: X}}\n");
  EXPECT_THROW(apply_test_time_augmentation(with_module), ConfigError);
  Config no_test = config_of("model: {type: OracleDetector}\n");
  EXPECT_THROW(apply_test_time_augmentation(no_test), ConfigError);
}

}  // namespace
}  // namespace detseq
