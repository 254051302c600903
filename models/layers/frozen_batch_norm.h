// BatchNorm2d with fixed statistics and affine parameters (DETR / torchvision detection style).
// State-dict names match torch.nn.BatchNorm2d minus `num_batches_tracked`: weight, bias,
// running_mean, running_var are all buffers, so no optimizer ever sees them.
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace detseq {

struct FrozenBatchNorm2dOptions {
  /* implicit */ FrozenBatchNorm2dOptions(int64_t num_features) : num_features_(num_features) {}
  TORCH_ARG(int64_t, num_features);
  TORCH_ARG(double, eps) = 1e-5;
};

class FrozenBatchNorm2dImpl : public torch::nn::Module {
 public:
  explicit FrozenBatchNorm2dImpl(const FrozenBatchNorm2dOptions& options);
  // x [B, C, H, W] -> x * scale + shift with scale = weight / sqrt(running_var + eps).
  torch::Tensor forward(const torch::Tensor& x);
  FrozenBatchNorm2dOptions options;
  torch::Tensor weight, bias, running_mean, running_var;
};
TORCH_MODULE(FrozenBatchNorm2d);

}  // namespace detseq
