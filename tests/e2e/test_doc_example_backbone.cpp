// The worked example of docs/adding_a_component.md: PlainConvNet built from YAML through the
// registry (shapes, strides, options errors), so the documented example keeps compiling and working.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "core/interfaces/model.h"
#include "core/util/error.h"

using namespace detseq;

TEST(PlainConvNet, Strides) {
  const ConfigNode cfg = parse_yaml_string("{type: PlainConvNet, channels: [8, 16, 32], out_indices: [1, 2]}", "test");
  auto net = build<Backbone>(cfg, "model.backbone");
  const auto outs = net->forward(torch::zeros({2, 3, 64, 96}));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<int64_t>{2, 16, 16, 24}));  // stride 4
  EXPECT_EQ(outs[1].sizes(), (std::vector<int64_t>{2, 32, 8, 12}));   // stride 8
  EXPECT_EQ(net->out_strides(), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(net->out_channels(), (std::vector<int64_t>{16, 32}));
  // Two convs per stage, each followed by a BN: stage1.0.weight, stage1.1.{weight,bias,...}
  const auto params = net->named_parameters();
  EXPECT_NE(params.find("stage1.0.weight"), nullptr);
  EXPECT_NE(params.find("stage3.4.bias"), nullptr);
  EXPECT_EQ(params.find("stage4.0.weight"), nullptr);
}

TEST(PlainConvNet, BadOptionsAreOneLineErrors) {
  auto error_of = [](const std::string& yaml) {
    try {
      build<Backbone>(parse_yaml_string(yaml, "test.yaml"), "model.backbone");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("{type: PlainConvNet, chanels: [8]}").find("did you mean 'channels'"), std::string::npos)
      << error_of("{type: PlainConvNet, chanels: [8]}");
  EXPECT_NE(error_of("{type: PlainConvNet, channels: [8, 16], out_indices: [2]}").find("outside 0..1"), std::string::npos);
  EXPECT_NE(error_of("{type: PlainConvNet, channels: []}").find("at least one stage"), std::string::npos);
  EXPECT_NE(error_of("{type: PlainConvNet, norm_cfg: {type: BNN}}").find("unknown norm_layer type 'BNN'"), std::string::npos);
}
