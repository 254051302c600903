// The `optim_wrapper` family (mmengine's OptimWrapper / AmpOptimWrapper): builds the optimizer
// (the `optimizer` family, core/engine/optimizers/) over per-parameter groups from `paramwise_cfg`,
// then per iteration: scaled backward, gradient accumulation, gradient all-reduce (multi-process),
// clipping by norm, step, zero_grad.
//
//   optim_wrapper:
//     type: OptimWrapper            # or AmpOptimWrapper (= --amp); OptimWrapper when omitted
//     optimizer: {type: AdamW, lr: 1.0e-4, weight_decay: 0.05, betas: [0.9, 0.999]}
//     clip_grad: {max_norm: 0.1, norm_type: 2}
//     accumulative_counts: 1
//     paramwise_cfg:
//       custom_keys: {backbone: {lr_mult: 0.1}, query_embed: {decay_mult: 0.0}}
//       norm_decay_mult: 0.0
//       bias_decay_mult: 0.0
//
// build_optim_wrapper(node, path) reads and checks the section; attach(model) then forms the
// groups and makes the optimizer.
#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config_node.h"
#include "core/engine/param_scheduler.h"
#include "core/io/value.h"
#include "core/registry/registry.h"

namespace detseq {

class GradSync;         // core/engine/grad_sync.h
class OptimizerRecipe;  // core/engine/optimizers/optimizer.h

struct ParamGroupInfo {
  std::vector<std::string> names;  // parameter names in this group
  double lr_mult = 1.0;
  double decay_mult = 1.0;
};

class OptimWrapper : public ScheduledValues {
 public:
  // The registry's constructor (see optim_wrapper.cpp for the options): nothing is attached yet.
  struct Settings {
    std::shared_ptr<OptimizerRecipe> optimizer;
    std::optional<double> clip_max_norm;
    double clip_norm_type = 2.0;
    int64_t accumulative_counts = 1;
    ConfigNode paramwise_cfg;
    std::string path;  // the optim_wrapper section's config path, for errors
    bool amp = false;
  };
  explicit OptimWrapper(Settings settings);
  ~OptimWrapper() override;

  // Forms the parameter groups of `model` and makes the optimizer; once.
  void attach(torch::nn::Module& model);
  bool attached() const { return optimizer_ != nullptr; }

  // Sets up the accumulation remainder (mmengine: the last max_iters % counts iterations divide by
  // the remainder instead of accumulative_counts).
  void initialize_count_status(int64_t iter, int64_t max_iters);
  // Backward of `loss` (already summed) and, when the accumulation window is full, the update.
  // Returns true when the optimizer stepped this call.
  bool update_params(const torch::Tensor& loss);
  // Multi-process: all-reduces gradients during backward on the update iterations.
  void set_grad_sync(GradSync* sync) { grad_sync_ = sync; }

  bool amp() const { return settings_.amp; }
  int64_t accumulative_counts() const { return settings_.accumulative_counts; }
  std::optional<double> last_grad_norm() const { return last_grad_norm_; }
  torch::optim::Optimizer& optimizer() { return attached_optimizer(); }
  std::string optimizer_type() const;
  const std::vector<ParamGroupInfo>& groups() const { return groups_; }
  // Current lr of each group (the base group first); logged as `lr` (group 0).
  std::vector<double> lrs() const;
  // Multiplies every group's lr, and the initial lr schedulers start from (auto_scale_lr).
  void scale_lr(double ratio);

  // ScheduledValues: the group lrs.
  size_t num_values() const override;
  double value(size_t i) const override;
  void set_value(size_t i, double v) override;
  double initial_value(size_t i) const override { return initial_lrs_.at(i); }

  // PyTorch's optimizer.state_dict() layout: {"state": {index: {step, exp_avg, exp_avg_sq} or
  // {momentum_buffer}}, "param_groups": [{lr, initial_lr, weight_decay, ..., params: [index...]}]},
  // parameters numbered in group order. Loading restores moments and lrs exactly.
  io::Value state_dict() const;
  void load_state_dict(const io::Value& state);

 private:
  void build_groups(torch::nn::Module& model, std::vector<std::vector<torch::Tensor>>& params);
  void step_and_zero();
  torch::optim::Optimizer& attached_optimizer() const;

  Settings settings_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<ParamGroupInfo> groups_;
  std::vector<double> initial_lrs_;
  int64_t inner_count_ = 0, max_counts_ = -1, remainder_counts_ = 0, divisible_counts_ = 0;
  std::optional<double> last_grad_norm_;
  GradSync* grad_sync_ = nullptr;
};

DETSEQ_DECLARE_FAMILY(OptimWrapper, "optim_wrapper",
                      "optim_wrapper: backward, accumulation, clipping and the optimizer step");

// build<OptimWrapper>(node, path), the type defaulting to OptimWrapper as in mmengine; not attached.
std::shared_ptr<OptimWrapper> build_optim_wrapper(const ConfigNode& node, const std::string& path);
// The same, attached to `model`'s parameters.
std::shared_ptr<OptimWrapper> build_optim_wrapper(const ConfigNode& node, const std::string& path,
                                                  torch::nn::Module& model);

}  // namespace detseq
