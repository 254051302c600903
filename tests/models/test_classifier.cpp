// ImageClassifier = backbone + LinearClsHead (backbone pre-training) and the Accuracy metric:
// the loss learns a toy task to 100 %, predictions are whole-image boxes with softmax scores,
// the metric counts top-1 hits across ranks, and images without exactly one object are errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/config/yaml_io.h"
#include "core/interfaces/metric.h"
#include "core/interfaces/model.h"
#include "tests/test_util.h"

using namespace detseq;

namespace {

// Class k is an image whose channel k % 3 is bright in quadrant k / 3 (4 classes x 3 = 12 images).
Batch toy_batch(int64_t objects_per_image = 1) {
  Batch b;
  const int64_t n = 8;
  b.images = torch::zeros({n, 3, 16, 16});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % 4;
    b.images[i][label % 3].narrow(0, (label / 2) * 8, 8).narrow(1, (label % 2) * 8, 8).fill_(1.0);
    Instances inst;
    inst.boxes = torch::tensor({2.f, 2.f, 10.f, 10.f}).repeat({objects_per_image, 1});
    inst.labels = torch::full({objects_per_image}, label, torch::kInt64);
    inst.ignore = torch::zeros({objects_per_image}, torch::kBool);
    b.instances.push_back(inst);
    ImageMeta m;
    m.image_id = i + 1;
    m.ori_height = 40, m.ori_width = 30;
    b.metas.push_back(m);
  }
  b.masks = torch::zeros({n, 16, 16}, torch::kBool);
  return b;
}

std::shared_ptr<Detector> classifier() {
  return build<Detector>(parse_yaml_string(R"(
type: ImageClassifier
backbone: {type: PlainConvNet, channels: [8, 16], convs_per_stage: 1, out_indices: [1]}
head: {type: LinearClsHead, num_classes: 4}
)", "<test>"), "model");
}

}  // namespace

TEST(ImageClassifier, LearnsAndPredictsWholeImageBoxes) {
  torch::manual_seed(0);
  auto model = classifier();
  const Batch batch = toy_batch();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(0.01));
  LossDict losses;
  for (int step = 0; step < 60; ++step) {
    losses = model->loss(batch);
    opt.zero_grad();
    total_loss(losses).backward();
    opt.step();
  }
  ASSERT_TRUE(losses.count("loss_cls") && losses.count("accuracy"));
  EXPECT_LT(losses["loss_cls"].item<double>(), 0.1);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto dets = model->predict(batch);
  ASSERT_EQ(dets.size(), 8u);
  auto metric = build<Metric>(parse_yaml_string("{type: Accuracy}", "<test>"), "val_evaluator");
  struct NoData : Dataset {
    size_t size() const override { return 0; }
    std::optional<Sample> get(size_t, Rng&) override { return std::nullopt; }
    const DatasetMeta& metainfo() const override { return meta; }
    const CocoGroundTruth& ground_truth() const override { return gt; }
    int64_t label_to_category(int64_t l) const override { return l; }
    double aspect_ratio(size_t) const override { return 1.0; }
    DatasetMeta meta;
    CocoGroundTruth gt;
  } none;
  metric->reset(none);
  metric->process(batch, dets);
  for (size_t i = 0; i < dets.size(); ++i) {
    EXPECT_EQ(dets[i].image_id, static_cast<int64_t>(i) + 1);
    EXPECT_TRUE(torch::equal(dets[i].boxes, torch::tensor({{0.f, 0.f, 30.f, 40.f}})));
    EXPECT_EQ(dets[i].labels[0].item<int64_t>(), static_cast<int64_t>(i % 4));
    EXPECT_GT(dets[i].scores[0].item<float>(), 0.5f);
  }
  // Another rank's 2 of 8: (8 + 2) / 16.
  metric->merge_results("2 8");
  EXPECT_DOUBLE_EQ(metric->compute().at("accuracy/top1"), 62.5);
  EXPECT_NE(test::error_of([&] { metric->merge_results("x"); }).find("malformed"), std::string::npos);
  EXPECT_NE(test::error_of([&] { metric->process(toy_batch(2), dets); }).find("has 2 target objects"), std::string::npos);
}

TEST(ImageClassifier, ImagesWithoutExactlyOneObjectAreErrors) {
  auto model = classifier();
  EXPECT_NE(test::error_of([&] { model->loss(toy_batch(2)); }).find("image 1 has 2 target objects"), std::string::npos);
  EXPECT_NE(test::error_of([&] { model->loss(toy_batch(0)); }).find("--objects 1"), std::string::npos);
  Batch padded = toy_batch();
  padded.masks[0][15].fill_(true);
  EXPECT_NE(test::error_of([&] { model->loss(padded); }).find("padded images"), std::string::npos);
  EXPECT_NE(test::error_of([&] {
              build<Detector>(parse_yaml_string("{type: ImageClassifier, backbone: {type: PlainConvNet}, "
                                                "head: {type: LinearClsHead, num_classes: 1}}", "<t>"), "model");
            }).find("model.head.num_classes (<t>:1): expected a value >= 2, got 1"), std::string::npos);
}
