// ResNet-18/34/50/101 backbone with torchvision's layout and parameter names (conv1, bn1,
// layer1.0.conv1, ..., layer4.2.downsample.1), so torchvision ImageNet weights and DETR's
// `backbone.0.body.*` weights load by name (no `fc`: classification head dropped).
#pragma once
#include <torch/nn/modules/container/sequential.h>

#include "core/interfaces/model.h"
#include "models/backbones/resnet_blocks.h"

namespace detseq {

struct ResNetOptions {
  int depth = 50;
  std::vector<int64_t> out_indices{3};
  int frozen_stages = -1;
  ComponentCfg norm_cfg = ComponentCfg::of("FrozenBN");
  bool norm_eval = false;
  bool dilation_last_stage = false;
  ComponentCfg init_cfg;
  template <class V>
  void visit(V& v) {
    v("depth", depth, "ResNet depth").one_of({18, 34, 50, 101});
    v("out_indices", out_indices, "stages (0-3 = layer1-layer4) whose outputs are returned, finest first").range(0, 3);
    v("frozen_stages", frozen_stages, "-1: train all; 0: freeze the stem; k: stem and layer1..layerk").range(-1, 4);
    v("norm_cfg", norm_cfg, "norm_layer: FrozenBN (DETR) | BN | GN | LN");
    v("norm_eval", norm_eval, "keep BN layers in eval mode (running statistics fixed) while training");
    v("dilation_last_stage", dilation_last_stage,
      "DC5: layer4 keeps stride 16 and uses dilation 2 (torchvision replace_stride_with_dilation)");
    v("init_cfg", init_cfg, "{type: Pretrained, checkpoint, prefix, rename} applied after construction");
  }
};

class ResNet : public Backbone {
 public:
  explicit ResNet(const ResNetOptions& options);
  std::vector<torch::Tensor> forward(const torch::Tensor& images) override;
  std::vector<int64_t> out_channels() const override;
  std::vector<int64_t> out_strides() const override;
  // Re-applies norm_eval / frozen stages after switching mode.
  void train(bool on = true) override;

 private:
  void freeze_stages();
  ResNetOptions options_;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::AnyModule bn1;
  std::vector<torch::nn::Sequential> layers_;
  std::vector<int64_t> stage_channels_, stage_strides_;
};

}  // namespace detseq
