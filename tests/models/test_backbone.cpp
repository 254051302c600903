// ResNet (torchvision names and numerics) and ChannelMapper.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "core/io/state_dict.h"
#include "models/backbones/resnet.h"
#include "models/necks/channel_mapper.h"
#include "tests/models/reference.h"

using namespace detseq;

namespace {

std::shared_ptr<Backbone> make_backbone(const std::string& yaml) {
  return build<Backbone>(parse_yaml_string(yaml, "test"), "model.backbone");
}

std::vector<std::string> keys(const torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& item : io::module_state_dict(m)) out.push_back(item.key());
  return out;
}

bool has_key(const std::vector<std::string>& ks, const std::string& k) {
  return std::find(ks.begin(), ks.end(), k) != ks.end();
}

}  // namespace

TEST(ResNet, ChannelsStridesAndShapesForEveryDepth) {
  torch::NoGradGuard g;
  const std::vector<std::pair<int, int64_t>> depths{{18, 512}, {34, 512}, {50, 2048}, {101, 2048}};
  for (auto [depth, last] : depths) {
    auto net = make_backbone("{type: ResNet, depth: " + std::to_string(depth) + ", out_indices: [0, 1, 2, 3]}");
    const int64_t base = depth >= 50 ? 256 : 64;
    EXPECT_EQ(net->out_channels(), (std::vector<int64_t>{base, base * 2, base * 4, last})) << depth;
    EXPECT_EQ(net->out_strides(), (std::vector<int64_t>{4, 8, 16, 32}));
    if (depth == 18) {
      auto outs = net->forward(torch::randn({1, 3, 64, 96}));
      ASSERT_EQ(outs.size(), 4u);
      EXPECT_EQ(outs[3].sizes(), (std::vector<int64_t>{1, 512, 2, 3}));
    }
  }
  EXPECT_THROW(make_backbone("{type: ResNet, depth: 42}"), Error);
  EXPECT_THROW(make_backbone("{type: ResNet, dpeth: 50}"), Error);
}

TEST(ResNet, TorchvisionParameterNames) {
  auto net = make_backbone("{type: ResNet, depth: 50}");
  auto ks = keys(*net);
  for (const char* k : {"conv1.weight", "bn1.running_var", "layer1.0.conv3.weight", "layer1.0.downsample.0.weight",
                        "layer1.0.downsample.1.running_mean", "layer4.2.bn3.bias", "layer3.5.conv2.weight"}) {
    EXPECT_TRUE(has_key(ks, k)) << k;
  }
  EXPECT_EQ(ks.size(), 265u);  // 53 convs + 53 frozen BNs x 4 buffers; no fc, no num_batches_tracked
  auto bn = make_backbone("{type: ResNet, depth: 18, norm_cfg: {type: BN}}");
  EXPECT_TRUE(has_key(keys(*bn), "layer2.0.downsample.1.num_batches_tracked"));
  EXPECT_FALSE(has_key(keys(*bn), "layer1.0.downsample.0.weight"));  // basic blocks of layer1 keep 64 channels
}

TEST(ResNet, FrozenStagesAndNormEval) {
  auto net = make_backbone("{type: ResNet, depth: 18, frozen_stages: 1, norm_cfg: {type: BN}, norm_eval: false}");
  for (const auto& p : net->named_parameters()) {
    const bool frozen = p.key().rfind("conv1", 0) == 0 || p.key().rfind("bn1", 0) == 0 ||
                        p.key().rfind("layer1.", 0) == 0;
    EXPECT_EQ(p.value().requires_grad(), !frozen) << p.key();
  }
  net->train();
  for (const auto& item : net->named_modules()) {
    const auto& name = item.key();
    const auto& m = item.value();
    if (name.find("bn") == std::string::npos) continue;
    if (name.rfind("layer1.", 0) == 0) {
      EXPECT_FALSE(m->is_training()) << name;
    } else if (name.rfind("layer2.", 0) == 0) {
      EXPECT_TRUE(m->is_training()) << name;
    }
  }
  auto eval_net = make_backbone("{type: ResNet, depth: 18, norm_cfg: {type: BN}, norm_eval: true}");
  eval_net->train();
  for (const auto& item : eval_net->named_modules()) {
    if (item.key().find("bn") != std::string::npos) {
      EXPECT_FALSE(item.value()->is_training()) << item.key();
    }
  }
  EXPECT_THROW(make_backbone("{type: ResNet, depth: 18, norm_cfg: {type: SyncBM}}"), Error);
}

TEST(ResNet, DilatedLastStageKeepsStride16) {
  torch::NoGradGuard g;
  auto net = make_backbone("{type: ResNet, depth: 50, dilation_last_stage: true}");
  EXPECT_EQ(net->out_strides(), (std::vector<int64_t>{16}));
  EXPECT_EQ(net->forward(torch::randn({1, 3, 64, 64}))[0].sizes(), (std::vector<int64_t>{1, 2048, 4, 4}));
  // Same parameter shapes as the strided network, so DC5 checkpoints share the layout.
  auto plain = make_backbone("{type: ResNet, depth: 50}");
  EXPECT_EQ(keys(*net), keys(*plain));
}

TEST(ResNet, TorchvisionResNet50LoadsAndMatchesPyTorch) {
  const std::string dir = test::reference_dir("resnet50");
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  auto net = make_backbone("{type: ResNet, depth: 50}");
  io::LoadOptions options;
  // Without a filter only the ImageNet classifier is left over (num_batches_tracked is dropped).
  auto report = io::load_checkpoint_into(*net, dir + "/resnet50.pth", options);
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"fc.weight", "fc.bias"})) << report.summary();
  // With the configs' ignore_keys the import is exact: nothing missing, unexpected or mismatched.
  options.ignore_keys = {"^fc\\."};
  options.strict = true;
  report = io::load_checkpoint_into(*net, dir + "/resnet50.pth", options);
  EXPECT_TRUE(report.clean()) << report.summary();
  EXPECT_EQ(report.loaded, 265u);
  auto io = test::load_tensors(dir + "/resnet50_io.pth");
  net->eval();
  torch::NoGradGuard g;
  // Random weights without real BN statistics give large activations: compare relative to them.
  const auto& expected = io.at("layer4");
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  EXPECT_LT(test::max_abs_diff(net->forward(io.at("input"))[0], expected) / scale, 1e-5) << "scale " << scale;
}

TEST(ChannelMapper, ProjectsEveryLevelWithOptionalNorm) {
  torch::NoGradGuard g;
  auto neck = build<Neck>(parse_yaml_string("{type: ChannelMapper, in_channels: [8, 16], out_channels: 4}", "t"), "n");
  auto outs = neck->forward({torch::randn({2, 8, 5, 5}), torch::randn({2, 16, 3, 3})});
  EXPECT_EQ(outs[1].sizes(), (std::vector<int64_t>{2, 4, 3, 3}));
  EXPECT_EQ(neck->out_channels(), (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(keys(*neck), (std::vector<std::string>{"convs.0.conv.weight", "convs.0.conv.bias", "convs.1.conv.weight",
                                                   "convs.1.conv.bias"}));
  auto gn = build<Neck>(
      parse_yaml_string("{type: ChannelMapper, in_channels: [8], out_channels: 4, norm_cfg: {type: GN, num_groups: 2}}",
                        "t"),
      "n");
  auto y = gn->forward({torch::randn({1, 8, 6, 6})})[0];
  // GroupNorm with default affine: each group of 2 channels has mean 0.
  EXPECT_NEAR(y.narrow(1, 0, 2).mean().item<float>(), 0.0, 1e-5);
  EXPECT_EQ(keys(*gn), (std::vector<std::string>{"convs.0.conv.weight", "convs.0.norm.weight", "convs.0.norm.bias"}));
  auto ln = build<Neck>(
      parse_yaml_string("{type: ChannelMapper, in_channels: [8], out_channels: 4, norm_cfg: {type: LN}}", "t"), "n");
  auto z = ln->forward({torch::randn({1, 8, 3, 3})})[0];
  EXPECT_LT(z.mean(1).abs().max().item<float>(), 1e-5);  // normalised over channels at each pixel
  EXPECT_THROW(gn->forward({torch::randn({1, 8, 2, 2}), torch::randn({1, 8, 2, 2})}), Error);
}
