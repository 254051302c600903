// PlainConvNet: a VGG-style backbone, stages of 3x3 conv + norm + ReLU, each stage halving the
// resolution. Far cheaper than ResNet-18 (the default [32, 64, 128, 256] x 2 convs has ~1.2 M
// parameters), for smoke runs and tiny CPU experiments. It is also the worked example of
// docs/adding_a_component.md: one file, options struct + class + one registration line.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include "core/interfaces/model.h"
#include "core/io/pretrained.h"
#include "core/registry/options.h"
#include "core/util/error.h"
#include "models/layers/norm_layer.h"

namespace detseq {
namespace {

struct PlainConvNetOptions {
  std::vector<int64_t> channels{32, 64, 128, 256};
  int convs_per_stage = 2;
  std::vector<int64_t> out_indices{3};
  ComponentCfg norm_cfg = ComponentCfg::of("BN");
  ComponentCfg init_cfg;
  template <class V>
  void visit(V& v) {
    v("channels", channels, "output channels of each stage; stage i has stride 2^(i+1)").positive();
    v("convs_per_stage", convs_per_stage, "3x3 convs per stage; the first one has stride 2").positive();
    v("out_indices", out_indices, "stages (0-based) whose outputs are returned, finest first").non_negative();
    v("norm_cfg", norm_cfg, "norm_layer: BN (trained from scratch) | GN | LN | FrozenBN");
    v("init_cfg", init_cfg, "{type: Pretrained, checkpoint, prefix} applied after construction");
  }
};

class PlainConvNet : public Backbone {
 public:
  explicit PlainConvNet(const PlainConvNetOptions& options) : options_(options) {
    const int64_t num_stages = static_cast<int64_t>(options.channels.size());
    if (num_stages == 0) throw ConfigError("PlainConvNet: channels must list at least one stage, e.g. [32, 64]");
    for (int64_t idx : options.out_indices) {
      if (idx >= num_stages) {
        throw ConfigError("PlainConvNet: out_indices entry " + std::to_string(idx) + " is outside 0.." +
                          std::to_string(num_stages - 1) + " (one index per entry of channels)");
      }
    }
    const auto norm = build<NormLayer>(options.norm_cfg);
    int64_t in = 3;
    for (int64_t s = 0; s < num_stages; ++s) {
      const int64_t out = options.channels[s];
      torch::nn::Sequential stage;
      for (int c = 0; c < options.convs_per_stage; ++c) {
        // No conv bias: the norm layer right after it has its own shift.
        stage->push_back(torch::nn::Conv2d(
            torch::nn::Conv2dOptions(c == 0 ? in : out, out, 3).stride(c == 0 ? 2 : 1).padding(1).bias(false)));
        stage->push_back(norm->make2d(out));
        stage->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
      }
      stages_.push_back(register_module("stage" + std::to_string(s + 1), stage));
      in = out;
    }
    io::apply_init_cfg(*this, options.init_cfg);
  }

  std::vector<torch::Tensor> forward(const torch::Tensor& images) override {
    if (images.dim() != 4 || images.size(1) != 3) {
      throw Error("PlainConvNet: expected images [B, 3, H, W], got " + c10::str(images.sizes()));
    }
    std::vector<torch::Tensor> stage_outputs;
    torch::Tensor x = images;
    for (auto& stage : stages_) {
      x = stage->forward(x);
      stage_outputs.push_back(x);
    }
    std::vector<torch::Tensor> outs;
    for (int64_t idx : options_.out_indices) outs.push_back(stage_outputs[idx]);
    return outs;
  }

  std::vector<int64_t> out_channels() const override {
    std::vector<int64_t> out;
    for (int64_t idx : options_.out_indices) out.push_back(options_.channels[idx]);
    return out;
  }

  std::vector<int64_t> out_strides() const override {
    std::vector<int64_t> out;
    for (int64_t idx : options_.out_indices) out.push_back(int64_t{2} << idx);
    return out;
  }

 private:
  PlainConvNetOptions options_;
  std::vector<torch::nn::Sequential> stages_;
};

}  // namespace

DETSEQ_REGISTER_AS(Backbone, PlainConvNet, PlainConvNetOptions, "PlainConvNet",
                   "VGG-style 3x3 conv stages, each halving the resolution (tiny CPU backbone)");

}  // namespace detseq
