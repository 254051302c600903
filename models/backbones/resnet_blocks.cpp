#include "models/backbones/resnet_blocks.h"

#include <torch/nn/init.h>

namespace detseq {

torch::nn::Conv2d resnet_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t padding = kernel == 1 ? 0 : (kernel == 7 ? 3 : dilation);
  torch::nn::Conv2d conv(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).dilation(dilation).bias(false));
  torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
  return conv;
}

namespace {
torch::nn::Sequential make_downsample(torch::nn::Module& parent, const ResNetBlockOptions& o, int64_t out) {
  if (!o.downsample()) return nullptr;
  torch::nn::Sequential seq;
  seq->push_back(resnet_conv(o.inplanes(), out, 1, o.stride()));
  seq->push_back(o.norm()->make2d(out));
  return parent.register_module("downsample", seq);
}
}  // namespace

BasicBlockImpl::BasicBlockImpl(const ResNetBlockOptions& cfg) : options(cfg) {
  conv1 = register_module("conv1", resnet_conv(cfg.inplanes(), cfg.planes(), 3, cfg.stride(), cfg.dilation()));
  bn1 = cfg.norm()->make2d(cfg.planes());
  register_module("bn1", bn1.ptr());
  conv2 = register_module("conv2", resnet_conv(cfg.planes(), cfg.planes(), 3, 1, cfg.dilation()));
  bn2 = cfg.norm()->make2d(cfg.planes());
  register_module("bn2", bn2.ptr());
  downsample = make_downsample(*this, cfg, cfg.planes() * kExpansion);
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(bn1.forward(conv1(x)));
  out = bn2.forward(conv2(out));
  return torch::relu(out + (downsample ? downsample->forward(x) : x));
}

BottleneckImpl::BottleneckImpl(const ResNetBlockOptions& cfg) : options(cfg) {
  conv1 = register_module("conv1", resnet_conv(cfg.inplanes(), cfg.planes(), 1));
  bn1 = cfg.norm()->make2d(cfg.planes());
  register_module("bn1", bn1.ptr());
  conv2 = register_module("conv2", resnet_conv(cfg.planes(), cfg.planes(), 3, cfg.stride(), cfg.dilation()));
  bn2 = cfg.norm()->make2d(cfg.planes());
  register_module("bn2", bn2.ptr());
  conv3 = register_module("conv3", resnet_conv(cfg.planes(), cfg.planes() * kExpansion, 1));
  bn3 = cfg.norm()->make2d(cfg.planes() * kExpansion);
  register_module("bn3", bn3.ptr());
  downsample = make_downsample(*this, cfg, cfg.planes() * kExpansion);
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(bn1.forward(conv1(x)));
  out = torch::relu(bn2.forward(conv2(out)));
  out = bn3.forward(conv3(out));
  return torch::relu(out + (downsample ? downsample->forward(x) : x));
}

}  // namespace detseq
