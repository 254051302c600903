#include "models/layers/mlp.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/linear.h>

#include "core/util/error.h"

namespace detseq {

MLPImpl::MLPImpl(const MLPOptions& o) : options(o) {
  const int64_t input_dim = o.input_dim(), hidden_dim = o.hidden_dim(), output_dim = o.output_dim();
  const int64_t num_layers = o.num_layers();
  if (num_layers < 1) throw Error("MLP: num_layers must be >= 1, got " + std::to_string(num_layers));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) {
    const int64_t in = i == 0 ? input_dim : hidden_dim;
    const int64_t out = i == num_layers - 1 ? output_dim : hidden_dim;
    layers->push_back(torch::nn::Linear(in, out));
  }
}

torch::Tensor MLPImpl::forward(torch::Tensor x) {
  const size_t n = layers->size();
  for (size_t i = 0; i < n; ++i) {
    x = layers[i]->as<torch::nn::Linear>()->forward(x);
    if (i + 1 < n) x = torch::relu(x);
  }
  return x;
}

}  // namespace detseq
