// A stack of Linear layers with ReLU between them (DETR's box head): `layers.0 ... layers.{n-1}`.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace detseq {

class MLPImpl : public torch::nn::Module {
 public:
  MLPImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim, int64_t num_layers);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(MLP);

}  // namespace detseq
