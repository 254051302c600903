#include "models/layers/norm_layer.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/normalization.h>

#include "core/registry/options.h"
#include "core/util/error.h"
#include "models/layers/frozen_batch_norm.h"

namespace detseq {
namespace {

// LayerNorm over the channel axis of an NCHW map (ConvNeXt / ViTDet style).
class ChannelLayerNormImpl : public torch::nn::Module {
 public:
  explicit ChannelLayerNormImpl(int64_t channels) {
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::layer_norm(x.permute({0, 2, 3, 1}), {weight.size(0)}, weight, bias, 1e-6);
    return y.permute({0, 3, 1, 2});
  }
  torch::Tensor weight, bias;
};
TORCH_MODULE(ChannelLayerNorm);

}  // namespace

NormCfg read_norm_cfg(const ConfigNode& node, const std::string& path, const std::string& default_type) {
  NormCfg cfg = read_options<NormCfg>(node, path, "norm_cfg");
  if (node.is_null() || !node.find("type")) cfg.type = default_type;
  static const std::vector<std::string> known{"FrozenBN", "BN", "GN", "LN"};
  if (std::find(known.begin(), known.end(), cfg.type) == known.end()) {
    throw ConfigError(describe_location(path + ".type", node.is_map() && node.find("type") ? *node.find("type") : node) +
                      ": unknown norm type '" + cfg.type + "' (expected FrozenBN, BN, GN or LN)" +
                      did_you_mean(cfg.type, known));
  }
  return cfg;
}

torch::nn::AnyModule make_norm2d(const NormCfg& cfg, int64_t channels) {
  torch::nn::AnyModule norm;
  std::shared_ptr<torch::nn::Module> module;
  if (cfg.type == "FrozenBN") {
    FrozenBatchNorm2d m(channels);
    norm = torch::nn::AnyModule(m);
    return norm;  // buffers only: nothing to freeze
  }
  if (cfg.type == "BN") {
    torch::nn::BatchNorm2d m{torch::nn::BatchNorm2dOptions(channels)};
    norm = torch::nn::AnyModule(m);
  } else if (cfg.type == "GN") {
    if (channels % cfg.num_groups != 0) {
      throw Error("GroupNorm: " + std::to_string(channels) + " channels are not divisible by num_groups " +
                  std::to_string(cfg.num_groups));
    }
    torch::nn::GroupNorm m{torch::nn::GroupNormOptions(cfg.num_groups, channels)};
    norm = torch::nn::AnyModule(m);
  } else if (cfg.type == "LN") {
    ChannelLayerNorm m(channels);
    norm = torch::nn::AnyModule(m);
  } else {
    throw Error("unknown norm type '" + cfg.type + "' (expected FrozenBN, BN, GN or LN)");
  }
  if (!cfg.requires_grad) {
    for (auto& p : norm.ptr()->parameters()) p.set_requires_grad(false);
  }
  return norm;
}

}  // namespace detseq
