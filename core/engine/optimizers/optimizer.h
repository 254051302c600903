// The `optimizer` family (mmengine's OPTIMIZERS): `optim_wrapper.optimizer: {type: AdamW, ...}`. A
// member is a recipe: it holds the config's hyper-parameters and makes the LibTorch optimizer once
// the wrapper knows the parameter groups, and it converts its per-parameter state to and from
// PyTorch's `optimizer.state_dict()` layout, so checkpoints resume exactly and load in Python.
//
// Adding one: a file here with `FooOptions` (visit + rules), `class Foo : public OptimizerRecipe`
// and `DETSEQ_REGISTER(OptimizerRecipe, Foo, FooOptions)`; then `optimizer: {type: Foo}` works.
#pragma once
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/io/value.h"
#include "core/registry/registry.h"

namespace detseq {

// One parameter group as the optim wrapper forms it from paramwise_cfg.
struct OptimizerParamGroup {
  std::vector<torch::Tensor> params;
  double lr_mult = 1.0;
  double decay_mult = 1.0;
};

class OptimizerRecipe {
 public:
  virtual ~OptimizerRecipe() = default;
  virtual std::string type() const = 0;
  // The configured (base) lr and weight decay; group g gets lr * lr_mult, decay * decay_mult.
  virtual double lr() const = 0;
  virtual double weight_decay() const = 0;
  virtual std::unique_ptr<torch::optim::Optimizer> make(const std::vector<OptimizerParamGroup>& groups) const = 0;

  // One parameter's state as PyTorch saves it ({step, exp_avg, exp_avg_sq} for Adam(W),
  // {momentum_buffer} for SGD); an empty dict when there is nothing to save.
  virtual io::Value save_state(const torch::optim::OptimizerParamState& state) const = 0;
  // The inverse. `tensor(key)` returns that entry checked against the parameter's shape and moved
  // to its device, or an undefined tensor when absent; nullptr means "no state" (never stepped).
  using TensorReader = std::function<torch::Tensor(const std::string& key)>;
  virtual std::unique_ptr<torch::optim::OptimizerParamState> load_state(const io::Value& saved,
                                                                        const TensorReader& tensor) const = 0;
};

DETSEQ_DECLARE_FAMILY(OptimizerRecipe, "optimizer",
                      "optim_wrapper.optimizer: makes the LibTorch optimizer over the wrapper's parameter groups");

}  // namespace detseq
