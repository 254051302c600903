// torchvision's ResNet blocks (v1.5: the stride sits on the 3x3 conv of Bottleneck), with
// torchvision's parameter names (conv1, bn1, ..., downsample.0 / downsample.1).
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "models/layers/norm_layer.h"

namespace detseq {

// ResNetBlockOptions(inplanes, planes).stride(2).downsample(true).norm(norm) (LibTorch idiom).
struct ResNetBlockOptions {
  ResNetBlockOptions(int64_t inplanes, int64_t planes) : inplanes_(inplanes), planes_(planes) {}
  TORCH_ARG(int64_t, inplanes);
  TORCH_ARG(int64_t, planes);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(int64_t, dilation) = 1;
  TORCH_ARG(bool, downsample) = false;                // 1x1 conv + norm on the identity path
  TORCH_ARG(std::shared_ptr<const NormLayer>, norm);  // norm_cfg, built once by the backbone
};

class BasicBlockImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kExpansion = 1;
  explicit BasicBlockImpl(const ResNetBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

  ResNetBlockOptions options;

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::AnyModule bn1, bn2;
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

class BottleneckImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kExpansion = 4;
  explicit BottleneckImpl(const ResNetBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

  ResNetBlockOptions options;

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::AnyModule bn1, bn2, bn3;
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

// conv(k x k, no bias) with torchvision's padding rule (padding = dilation for 3x3).
torch::nn::Conv2d resnet_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t dilation = 1);

}  // namespace detseq
