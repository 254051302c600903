// BatchNorm2d with fixed statistics and affine parameters (DETR / torchvision detection style).
// State-dict names match torch.nn.BatchNorm2d minus `num_batches_tracked`: weight, bias,
// running_mean, running_var are all buffers, so no optimizer ever sees them.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace detseq {

class FrozenBatchNorm2dImpl : public torch::nn::Module {
 public:
  explicit FrozenBatchNorm2dImpl(int64_t num_features, double eps = 1e-5);
  // x [B, C, H, W] -> x * scale + shift with scale = weight / sqrt(running_var + eps).
  torch::Tensor forward(const torch::Tensor& x);
  int64_t num_features() const { return num_features_; }

  torch::Tensor weight, bias, running_mean, running_var;

 private:
  int64_t num_features_;
  double eps_;
};
TORCH_MODULE(FrozenBatchNorm2d);

}  // namespace detseq
