#include "models/layers/frozen_batch_norm.h"

namespace detseq {

FrozenBatchNorm2dImpl::FrozenBatchNorm2dImpl(const FrozenBatchNorm2dOptions& o) : options(o) {
  const int64_t num_features = o.num_features();
  weight = register_buffer("weight", torch::ones({num_features}));
  bias = register_buffer("bias", torch::zeros({num_features}));
  running_mean = register_buffer("running_mean", torch::zeros({num_features}));
  running_var = register_buffer("running_var", torch::ones({num_features}));
}

torch::Tensor FrozenBatchNorm2dImpl::forward(const torch::Tensor& x) {
  // Folded into one multiply-add, as DETR does; eps inside the sqrt like nn.BatchNorm2d.
  const auto scale = weight * (running_var + options.eps()).rsqrt();
  const auto shift = bias - running_mean * scale;
  return x * scale.reshape({1, -1, 1, 1}) + shift.reshape({1, -1, 1, 1});
}

}  // namespace detseq
