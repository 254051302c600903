// A stack of Linear layers with ReLU between them (DETR's box head): `layers.0 ... layers.{n-1}`.
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace detseq {

struct MLPOptions {
  MLPOptions(int64_t input_dim, int64_t hidden_dim, int64_t output_dim, int64_t num_layers)
      : input_dim_(input_dim), hidden_dim_(hidden_dim), output_dim_(output_dim), num_layers_(num_layers) {}
  TORCH_ARG(int64_t, input_dim);
  TORCH_ARG(int64_t, hidden_dim);
  TORCH_ARG(int64_t, output_dim);
  TORCH_ARG(int64_t, num_layers);
};

class MLPImpl : public torch::nn::Module {
 public:
  explicit MLPImpl(const MLPOptions& options);
  MLPImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim, int64_t num_layers)
      : MLPImpl(MLPOptions(input_dim, hidden_dim, output_dim, num_layers)) {}
  torch::Tensor forward(torch::Tensor x);

  MLPOptions options;
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(MLP);

}  // namespace detseq
