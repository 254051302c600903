#include "models/backbones/resnet.h"

#include <torch/nn/functional/pooling.h>

#include "core/io/pretrained.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct DepthSpec {
  bool bottleneck;
  std::vector<int64_t> blocks;
};

DepthSpec depth_spec(int depth) {
  switch (depth) {
    case 18:
      return {false, {2, 2, 2, 2}};
    case 34:
      return {false, {3, 4, 6, 3}};
    case 50:
      return {true, {3, 4, 6, 3}};
    case 101:
      return {true, {3, 4, 23, 3}};
    default:
      throw std::logic_error("ResNet: depth " + std::to_string(depth) + " passed the option check");
  }
}

}  // namespace

ResNet::ResNet(const ResNetOptions& options) : options_(options) {
  const DepthSpec spec = depth_spec(options.depth);
  const std::shared_ptr<const NormLayer> norm = build<NormLayer>(options.norm_cfg);
  conv1 = register_module("conv1", resnet_conv(3, 64, 7, 2));
  bn1 = norm->make2d(64);
  register_module("bn1", bn1.ptr());

  const int64_t expansion = spec.bottleneck ? BottleneckImpl::kExpansion : BasicBlockImpl::kExpansion;
  int64_t inplanes = 64, dilation = 1, stride_total = 4;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = 64 << stage;
    int64_t stride = stage == 0 ? 1 : 2;
    const int64_t previous_dilation = dilation;
    if (stage == 3 && options.dilation_last_stage) {  // torchvision: dilate instead of striding
      dilation *= stride;
      stride = 1;
    }
    torch::nn::Sequential layer;
    for (int64_t b = 0; b < spec.blocks[stage]; ++b) {
      const auto cfg = ResNetBlockOptions(inplanes, planes)
                           .stride(b == 0 ? stride : 1)
                           .dilation(b == 0 ? previous_dilation : dilation)
                           .downsample(b == 0 && (stride != 1 || inplanes != planes * expansion))
                           .norm(norm);
      if (spec.bottleneck) {
        layer->push_back(Bottleneck(cfg));
      } else {
        layer->push_back(BasicBlock(cfg));
      }
      inplanes = planes * expansion;
    }
    stride_total *= stride;
    layers_.push_back(register_module("layer" + std::to_string(stage + 1), layer));
    stage_channels_.push_back(planes * expansion);
    stage_strides_.push_back(stride_total);
  }
  freeze_stages();
  io::apply_init_cfg(*this, options.init_cfg);
}

void ResNet::freeze_stages() {
  if (options_.frozen_stages < 0) return;
  for (auto& p : conv1->parameters()) p.set_requires_grad(false);
  for (auto& p : bn1.ptr()->parameters()) p.set_requires_grad(false);
  for (int s = 0; s < options_.frozen_stages; ++s) {
    for (auto& p : layers_[s]->parameters()) p.set_requires_grad(false);
  }
}

void ResNet::train(bool on) {
  torch::nn::Module::train(on);
  if (!on) return;
  // Frozen stages and norm_eval BNs keep their statistics fixed, as mmdet's ResNet.train().
  auto keep_eval = [](torch::nn::Module& m) {
    for (auto& child : m.modules()) {
      if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(child.get())) child->eval();
    }
  };
  if (options_.norm_eval) {
    keep_eval(*this);
    return;
  }
  if (options_.frozen_stages >= 0) bn1.ptr()->eval();
  for (int s = 0; s < options_.frozen_stages; ++s) keep_eval(*layers_[s]);
}

std::vector<torch::Tensor> ResNet::forward(const torch::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != 3) {
    throw Error("ResNet: expected images [B, 3, H, W], got " + c10::str(images.sizes()));
  }
  auto x = torch::relu(bn1.forward(conv1(images)));
  x = torch::max_pool2d(x, 3, 2, 1);
  std::vector<torch::Tensor> stage_outputs;
  for (auto& layer : layers_) {
    x = layer->forward(x);
    stage_outputs.push_back(x);
  }
  std::vector<torch::Tensor> outs;
  for (int64_t idx : options_.out_indices) outs.push_back(stage_outputs[idx]);
  return outs;
}

std::vector<int64_t> ResNet::out_channels() const {
  std::vector<int64_t> out;
  for (int64_t idx : options_.out_indices) out.push_back(stage_channels_[idx]);
  return out;
}

std::vector<int64_t> ResNet::out_strides() const {
  std::vector<int64_t> out;
  for (int64_t idx : options_.out_indices) out.push_back(stage_strides_[idx]);
  return out;
}

DETSEQ_REGISTER_AS(Backbone, ResNet, ResNetOptions, "ResNet",
                   "torchvision-layout ResNet-18/34/50/101 (frozen BN, frozen stages, DC5 dilation)");

}  // namespace detseq
