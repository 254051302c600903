// Adam and AdamW (decoupled weight decay, DETR's and Pix2Seq's optimizer). LibTorch has one class
// each with the same options and state, so one template serves both.
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

#include <optional>

#include "core/engine/optimizers/optimizer.h"

namespace detseq {
namespace {

struct AdamFamilyOptions {
  std::string type;
  double lr = 1e-3;
  std::optional<double> weight_decay;
  std::vector<double> betas{0.9, 0.999};
  double eps = 1e-8;
  bool amsgrad = false;
  template <class V>
  void visit(V& v) {
    v("type", type);
    v("lr", lr, "learning rate").non_negative();
    v("weight_decay", weight_decay, "weight decay (AdamW default 0.01, Adam 0)").non_negative();
    v("betas", betas, "[beta1, beta2]").range(0.0, 1.0);
    v("eps", eps, "denominator epsilon").positive();
    v("amsgrad", amsgrad, "AMSGrad variant");
  }
};
struct AdamWOptions : AdamFamilyOptions {};
struct AdamOptions : AdamFamilyOptions {};

template <class TorchOptimizer, class TorchOptions, class TorchState>
class AdamRecipe : public OptimizerRecipe {
 public:
  AdamRecipe(const AdamFamilyOptions& o, std::string type, double default_decay)
      : o_(o), type_(std::move(type)), weight_decay_(o.weight_decay.value_or(default_decay)) {
    if (o_.betas.size() != 2) throw ConfigError("optimizer.betas: expected two values [beta1, beta2]");
  }
  std::string type() const override { return type_; }
  double lr() const override { return o_.lr; }
  double weight_decay() const override { return weight_decay_; }

  std::unique_ptr<torch::optim::Optimizer> make(const std::vector<OptimizerParamGroup>& groups) const override {
    std::vector<torch::optim::OptimizerParamGroup> torch_groups;
    for (const auto& g : groups) {
      torch_groups.emplace_back(g.params,
                                std::make_unique<TorchOptions>(TorchOptions(o_.lr * g.lr_mult)
                                                                   .betas(std::make_tuple(o_.betas[0], o_.betas[1]))
                                                                   .eps(o_.eps)
                                                                   .weight_decay(weight_decay_ * g.decay_mult)
                                                                   .amsgrad(o_.amsgrad)));
    }
    return std::make_unique<TorchOptimizer>(std::move(torch_groups));
  }

  io::Value save_state(const torch::optim::OptimizerParamState& state) const override {
    io::Value s = io::Value::dict();
    const auto* a = dynamic_cast<const TorchState*>(&state);
    if (!a) return s;
    // A float32 scalar step tensor, as PyTorch >= 1.12 stores it.
    s.set("step", torch::tensor(static_cast<float>(a->step())));
    s.set("exp_avg", a->exp_avg()).set("exp_avg_sq", a->exp_avg_sq());
    if (a->max_exp_avg_sq().defined()) s.set("max_exp_avg_sq", a->max_exp_avg_sq());
    return s;
  }

  std::unique_ptr<torch::optim::OptimizerParamState> load_state(const io::Value& saved,
                                                                const TensorReader& tensor) const override {
    auto a = std::make_unique<TorchState>();
    const io::Value& step = saved.at("step");
    a->step(step.is_tensor() ? static_cast<int64_t>(step.as_tensor().item<double>()) : step.as_int());
    a->exp_avg(tensor("exp_avg"));
    a->exp_avg_sq(tensor("exp_avg_sq"));
    a->max_exp_avg_sq(tensor("max_exp_avg_sq"));
    if (!a->exp_avg().defined() || !a->exp_avg_sq().defined())
      throw Error("checkpoint: " + type_ + " state lacks exp_avg / exp_avg_sq");
    return a;
  }

 private:
  AdamFamilyOptions o_;
  std::string type_;
  double weight_decay_;
};

using AdamWRecipe = AdamRecipe<torch::optim::AdamW, torch::optim::AdamWOptions, torch::optim::AdamWParamState>;
using AdamPlainRecipe = AdamRecipe<torch::optim::Adam, torch::optim::AdamOptions, torch::optim::AdamParamState>;

std::shared_ptr<OptimizerRecipe> make_adamw(const AdamWOptions& o) {
  return std::make_shared<AdamWRecipe>(o, "AdamW", 1e-2);  // torch.optim.AdamW's default decay
}
std::shared_ptr<OptimizerRecipe> make_adam(const AdamOptions& o) {
  return std::make_shared<AdamPlainRecipe>(o, "Adam", 0.0);
}

}  // namespace

DETSEQ_REGISTER_FACTORY(OptimizerRecipe, AdamWOptions, "AdamW", "Adam with decoupled weight decay (torch.optim.AdamW)",
                        make_adamw);
DETSEQ_REGISTER_FACTORY(OptimizerRecipe, AdamOptions, "Adam",
                        "Adam, L2 weight decay in the gradient (torch.optim.Adam)", make_adam);

}  // namespace detseq
