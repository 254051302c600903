// DETR: official-layout checkpoint import (rename rules in config) and forward equivalence with a
// PyTorch reference, wrong-shape errors, post-processing to original pixels.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/config/config.h"
#include "core/config/yaml_io.h"
#include "core/io/pretrained.h"
#include "models/detectors/composed_detector.h"
#include "models/heads/detr_head.h"
#include "tests/models/reference.h"

using namespace detseq;

namespace {

// The tiny DETR written by fixtures/make_reference.py, in detseq config form.
std::string tiny_detr_yaml(const std::string& checkpoint, int num_classes, bool strict) {
  return R"(
type: DETR
backbone: {type: ResNet, depth: 18}
head:
  type: DETRHead
  num_classes: )" + std::to_string(num_classes) + R"(
  embed_dims: 32
  num_queries: 10
  max_per_img: 10
  transformer: {num_encoder_layers: 1, num_decoder_layers: 2, num_heads: 4, feedforward_channels: 64, dropout: 0.0}
  positional_encoding: {num_feats: 16}
init_cfg:
  type: Pretrained
  checkpoint: )" + checkpoint + R"(
  strict: )" + (strict ? "true" : "false") + R"(
  rename:
    - {pattern: '^backbone\.0\.body\.', replacement: 'backbone.'}
    - {pattern: '^(transformer|query_embed|class_embed|bbox_embed|input_proj)\.', replacement: 'head.$1.'}
)";
}

std::shared_ptr<ComposedDetector> build_detector(const std::string& yaml) {
  return std::dynamic_pointer_cast<ComposedDetector>(build<Detector>(parse_yaml_string(yaml, "test.yaml"), "model"));
}

}  // namespace

TEST(DETR, OfficialLayoutCheckpointLoadsAndMatchesPyTorch) {
  const std::string dir = test::reference_dir("detr");
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  // strict: any missing / unexpected / mismatched key would throw.
  auto detector = build_detector(tiny_detr_yaml(dir + "/detr_tiny.pth", 5, true));
  ASSERT_TRUE(detector);
  detector->eval();
  auto io = test::load_tensors(dir + "/detr_io.pth");
  torch::NoGradGuard g;
  auto head = std::dynamic_pointer_cast<DETRHead>(detector->head());
  auto out = head->forward(detector->extract_features(io.at("images")), io.at("mask"));
  ASSERT_EQ(out.logits.sizes(), io.at("logits").sizes());  // [2 layers, 2 images, 10 queries, 6]
  EXPECT_LT(test::max_abs_diff(out.logits, io.at("logits")), 1e-4);
  EXPECT_LT(test::max_abs_diff(out.boxes, io.at("boxes")), 1e-4);
}

TEST(DETR, WrongShapesAreClearErrors) {
  const std::string dir = test::reference_dir("detr");
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  try {
    build_detector(tiny_detr_yaml(dir + "/detr_tiny.pth", 7, true));
    FAIL() << "expected a shape error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("head.class_embed.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[6, 32]"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
  // Non-strict: everything else loads, the classifier keeps its initialisation.
  auto detector = build_detector(tiny_detr_yaml(dir + "/detr_tiny.pth", 7, false));
  auto ckpt = test::load_tensors(dir + "/detr_tiny.pth");
  auto params = detector->named_parameters();
  EXPECT_TRUE(params["head.query_embed.weight"].equal(ckpt.at("model.query_embed.weight")));
  EXPECT_EQ(params["head.class_embed.weight"].size(0), 8);
}

TEST(DETR, MissingCheckpointAndBadRuleAreClearErrors) {
  EXPECT_THROW(build_detector(tiny_detr_yaml("/nonexistent/detr.pth", 5, true)), Error);
  EXPECT_THROW(build_detector("{type: DETR, backbone: {type: ResNet, depth: 18}, head: {type: DETRHead, num_clases: 3}}"),
               Error);
}

TEST(DETRHead, DecodeMapsBoxesBackToOriginalPixels) {
  DETRHeadOptions o;
  o.num_classes = 3;
  o.in_channels = 8;
  o.embed_dims = 8;
  o.num_queries = 2;
  o.max_per_img = 2;
  o.positional_encoding = o.positional_encoding.with("num_feats", 4);
  o.transformer.num_encoder_layers = 1;
  o.transformer.num_decoder_layers = 1;
  o.transformer.num_heads = 2;
  DETRHead head(o);
  // Original 200 x 100, resized by 0.5 to 100 x 50, then flipped: x' = -0.5 x + 100.
  ImageMeta meta;
  meta.image_id = 42;
  meta.ori_width = 200;
  meta.ori_height = 100;
  meta.img_width = 100;
  meta.img_height = 50;
  meta.scale_x = -0.5;
  meta.offset_x = 100;
  meta.scale_y = 0.5;
  // Query 0: class 2 (p high), box x' 20..30, y' 20..30. Query 1: no-object wins but class 0 is its best
  // real class; its box spills over the image and must be clipped.
  auto logits = torch::tensor({{{0.0f, 0.0f, 5.0f, 0.0f}, {1.0f, 0.0f, 0.0f, 6.0f}}});
  auto boxes = torch::tensor({{{0.25f, 0.5f, 0.1f, 0.2f}, {0.0f, 0.5f, 0.4f, 1.4f}}});
  auto dets = head.decode(logits, boxes, {meta});
  ASSERT_EQ(dets.size(), 1u);
  const auto& d = dets[0];
  EXPECT_EQ(d.image_id, 42);
  ASSERT_EQ(d.size(), 2);
  EXPECT_EQ(d.labels[0].item<int64_t>(), 2);
  const float p0 = std::exp(5.0f) / (3 + std::exp(5.0f));
  EXPECT_NEAR(d.scores[0].item<float>(), p0, 1e-5);
  EXPECT_LT(test::max_abs_diff(d.boxes[0], torch::tensor({140.0f, 40.0f, 160.0f, 60.0f})), 1e-3);
  EXPECT_EQ(d.labels[1].item<int64_t>(), 0);
  // Query 1: x' -20..20 -> x 160..240 -> clipped to 200; y' -10..60 -> y -20..120 -> 0..100.
  EXPECT_LT(test::max_abs_diff(d.boxes[1], torch::tensor({160.0f, 0.0f, 200.0f, 100.0f})), 1e-3);
}

TEST(DETRHead, TargetsNormalisedByUnpaddedImageAndIgnoreDropped) {
  Batch batch;
  batch.images = torch::zeros({1, 3, 64, 128});
  ImageMeta meta;
  meta.img_width = 100;
  meta.img_height = 50;
  batch.metas = {meta};
  Instances inst;
  inst.boxes = torch::tensor({{10.0f, 10.0f, 30.0f, 20.0f}, {0.0f, 0.0f, 100.0f, 50.0f}});
  inst.labels = torch::tensor({3, 1}, torch::kLong);
  inst.ignore = torch::tensor({false, true});
  batch.instances = {inst};
  auto targets = DETRHead::make_targets(batch, torch::kCPU);
  ASSERT_EQ(targets[0].labels.numel(), 1);
  EXPECT_EQ(targets[0].labels[0].item<int64_t>(), 3);
  EXPECT_LT(test::max_abs_diff(targets[0].boxes[0], torch::tensor({0.2f, 0.3f, 0.2f, 0.2f})), 1e-6);
}

TEST(DETR, OfficialR50ConfigRenameRulesCoverTheCheckpointLayout) {
  const std::string dir = test::reference_dir("detr_r50_keys");
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  Config cfg = load_config(std::string(DETSEQ_SOURCE_DIR) + "/configs/detr/detr_r50_official_coco.yaml");
  ConfigNode model = cfg.root.at("model");
  std::string checkpoint;
  const io::LoadOptions options = io::read_pretrained_options(model.at("init_cfg"), "model.init_cfg", &checkpoint);
  EXPECT_EQ(options.key, "model");
  model["init_cfg"] = ConfigNode::null();  // the released file is not downloaded in tests
  auto detector = build<Detector>(model, "model");
  // Zero tensors with the official checkpoint's names and shapes.
  io::StateDict state;
  std::ifstream in(dir + "/keys.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, dims, d;
    fields >> name >> dims;
    std::vector<int64_t> shape;
    std::istringstream parts(dims);
    while (std::getline(parts, d, ',')) shape.push_back(std::stoll(d));
    state.insert(name, torch::zeros(shape));
  }
  ASSERT_GT(state.size(), 400u);
  auto renamed = io::rename_keys(state, options.prefix, options.rename);
  auto report = io::load_state_dict(*detector, renamed, /*strict=*/true, "detr-r50 layout");
  EXPECT_TRUE(report.clean()) << report.summary();
  EXPECT_EQ(report.loaded, state.size());
}

TEST(DETRHead, LabelToLogitSelectsOfficialCategoryColumns) {
  DETRHeadOptions o;
  o.num_classes = 2;
  o.num_logits = 5;
  o.label_to_logit = {4, 1};
  o.in_channels = 8;
  o.embed_dims = 8;
  o.num_queries = 1;
  o.max_per_img = 1;
  o.positional_encoding = o.positional_encoding.with("num_feats", 4);
  o.transformer.num_encoder_layers = 1;
  o.transformer.num_decoder_layers = 1;
  o.transformer.num_heads = 2;
  DETRHead head(o);
  ImageMeta meta;
  meta.img_width = meta.ori_width = 10;
  meta.img_height = meta.ori_height = 10;
  // Logit 4 (= label 0) is the best real class; logit 0 (no label) and 5 (no-object) are ignored.
  auto logits = torch::tensor({{{9.0f, 1.0f, 0.0f, 0.0f, 3.0f, 9.0f}}});
  auto dets = head.decode(logits, torch::full({1, 1, 4}, 0.5f), {meta});
  EXPECT_EQ(dets[0].labels[0].item<int64_t>(), 0);
  o.label_to_logit = {4, 5};
  EXPECT_THROW(DETRHead{o}, ConfigError);
}
