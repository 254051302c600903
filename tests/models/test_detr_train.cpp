// A few DETR training steps on real images (tests/data/coco_tiny8):
// the loss must go down; predictions come back in original image pixels.
#include <gtest/gtest.h>

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include "core/config/yaml_io.h"
#include "models/detectors/composed_detector.h"
#include "tests/models/reference.h"

using namespace detseq;

namespace {

// Real coco_tiny8 images decoded, resized and normalised by fixtures/make_reference.py (tiny8),
// so that this test needs no image library; the batch has the same form as the data pipeline's.
std::optional<Batch> load_batch() {
  const std::string dir = test::reference_dir("tiny8");
  if (dir.empty()) return std::nullopt;
  auto t = test::load_tensors(dir + "/tiny8.pth");
  Batch batch;
  batch.images = t.at("images");
  batch.masks = t.at("masks");
  for (int i = 0; i < batch.images.size(0); ++i) {
    const std::string k = std::to_string(i);
    auto sizes = t.at("sizes." + k);
    ImageMeta meta;
    meta.image_id = sizes[0].item<int64_t>();
    meta.ori_width = sizes[1].item<int64_t>();
    meta.ori_height = sizes[2].item<int64_t>();
    meta.img_width = sizes[3].item<int64_t>();
    meta.img_height = sizes[4].item<int64_t>();
    meta.pad_height = batch.images.size(2);
    meta.pad_width = batch.images.size(3);
    meta.scale_x = static_cast<double>(meta.img_width) / meta.ori_width;
    meta.scale_y = static_cast<double>(meta.img_height) / meta.ori_height;
    Instances inst;
    inst.boxes = t.at("boxes." + k);
    inst.labels = t.at("labels." + k);
    inst.ignore = torch::zeros({inst.boxes.size(0)}, torch::kBool);
    batch.instances.push_back(inst);
    batch.metas.push_back(meta);
  }
  return batch;
}

}  // namespace

TEST(DETRTraining, LossDecreasesOnRealImages) {
  torch::manual_seed(0);
  torch::set_num_threads(2);
  auto loaded = load_batch();
  if (!loaded) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  Batch batch = *loaded;
  ASSERT_EQ(batch.size(), 3);
  auto detector = build<Detector>(parse_yaml_string(R"(
type: DETR
backbone: {type: ResNet, depth: 18, frozen_stages: 1}
neck: {type: ChannelMapper, out_channels: 64}
head:
  type: DETRHead
  num_classes: 80
  embed_dims: 64
  num_queries: 12
  max_per_img: 12
  transformer: {num_encoder_layers: 1, num_decoder_layers: 2, num_heads: 4, feedforward_channels: 128, dropout: 0.0}
  positional_encoding: {num_feats: 32}
)", "test"), "model");
  std::vector<torch::Tensor> params;
  for (auto& p : detector->parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(2e-4).weight_decay(1e-4));
  detector->train();
  std::vector<double> history;
  for (int step = 0; step < 12; ++step) {
    LossDict losses = detector->loss(batch);
    EXPECT_TRUE(losses.count("d0.loss_cls") && losses.count("loss_iou"));
    auto loss = total_loss(losses);
    history.push_back(loss.item<double>());
    ASSERT_TRUE(std::isfinite(history.back()));
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, 0.1);
    optimizer.step();
  }
  EXPECT_LT(history.back(), 0.8 * history.front()) << "first " << history.front() << ", last " << history.back();

  detector->eval();
  torch::NoGradGuard g;
  auto dets = detector->predict(batch);
  ASSERT_EQ(dets.size(), 3u);
  for (size_t i = 0; i < dets.size(); ++i) {
    const auto& meta = batch.metas[i];
    EXPECT_EQ(dets[i].image_id, meta.image_id);
    EXPECT_EQ(dets[i].size(), 12);
    EXPECT_GE(dets[i].boxes.min().item<float>(), 0.0f);
    EXPECT_LE(dets[i].boxes.select(1, 2).max().item<float>(), meta.ori_width);
    EXPECT_LE(dets[i].boxes.select(1, 3).max().item<float>(), meta.ori_height);
    EXPECT_TRUE((dets[i].labels < 80).all().item<bool>());
  }
}
