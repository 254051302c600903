// ChannelMapper: a kernel x kernel conv per input level to a common channel count, optionally
// followed by a norm (GN / LN / BN) and an activation (mmdetection's neck of the same name).
// Parameters: convs.<i>.conv.{weight,bias} and convs.<i>.norm.* (DETR's input_proj maps onto
// convs.0.conv with a rename rule).
#pragma once
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>

#include "core/interfaces/model.h"
#include "models/layers/norm_layer.h"

namespace detseq {

struct ChannelMapperOptions {
  std::vector<int64_t> in_channels;
  int64_t out_channels = 256;
  int64_t kernel_size = 1;
  ComponentCfg norm_cfg;
  std::string act = "none";
  ComponentCfg init_cfg;
  template <class V>
  void visit(V& v) {
    v.required("in_channels", in_channels, "channels of each input level (the detector fills it in)");
    v("out_channels", out_channels, "channels of every output level").positive();
    v("kernel_size", kernel_size, "conv kernel size (odd)").positive();
    v("norm_cfg", norm_cfg, "null: no norm (conv with bias); else a norm_layer: {type: GN, num_groups} | LN | BN");
    v("act", act, "activation after the norm").one_of({"none", "relu"});
    v("init_cfg", init_cfg, "{type: Pretrained, ...}");
  }
};

class ChannelMapperLevelImpl : public torch::nn::Module {
 public:
  ChannelMapperLevelImpl(int64_t in, const ChannelMapperOptions& options, const NormLayer* norm);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv{nullptr};
  torch::nn::AnyModule norm_;
  bool relu_;
};
TORCH_MODULE(ChannelMapperLevel);

class ChannelMapper : public Neck {
 public:
  explicit ChannelMapper(const ChannelMapperOptions& options);
  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& features) override;
  std::vector<int64_t> out_channels() const override;

 private:
  ChannelMapperOptions options_;
  torch::nn::ModuleList convs{nullptr};
};

}  // namespace detseq
