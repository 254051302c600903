// Stochastic depth: in training, zeroes the whole residual branch of a sample with probability
// `drop_prob` and rescales survivors by 1 / (1 - drop_prob); identity in eval or when drop_prob = 0.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <vector>

namespace detseq {

// Functional form; one Bernoulli draw per sample (dimension 0).
torch::Tensor drop_path(const torch::Tensor& x, double drop_prob, bool training);

class DropPathImpl : public torch::nn::Module {
 public:
  explicit DropPathImpl(double drop_prob = 0.0);
  torch::Tensor forward(const torch::Tensor& x) { return drop_path(x, drop_prob_, is_training()); }
  double drop_prob() const { return drop_prob_; }

 private:
  double drop_prob_;
};
TORCH_MODULE(DropPath);

// Drop-path rates grow linearly from 0 to `max_rate` over `n` layers (stochastic depth).
std::vector<double> drop_path_schedule(double max_rate, int64_t n);

}  // namespace detseq
