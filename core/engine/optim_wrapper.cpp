#include "core/engine/optim_wrapper.h"

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <map>

#include "core/engine/grad_sync.h"
#include "core/registry/options.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct OptimWrapperOptions {
  std::string type = "OptimWrapper";
  ConfigNode optimizer;
  ConfigNode clip_grad;
  int64_t accumulative_counts = 1;
  ConfigNode paramwise_cfg;
  std::string dtype = "bfloat16";
  template <class V>
  void visit(V& v) {
    v("type", type, "OptimWrapper, or AmpOptimWrapper for bf16 autocast");
    v.required("optimizer", optimizer, "the optimizer: {type: AdamW|Adam|SGD, lr: ...}");
    v("clip_grad", clip_grad, "{max_norm: X, norm_type: 2}: clip gradients by global norm");
    v("accumulative_counts", accumulative_counts, "iterations whose gradients are summed per update");
    v("paramwise_cfg", paramwise_cfg, "per-parameter lr/decay multipliers");
    v("dtype", dtype, "AmpOptimWrapper only: bfloat16 (the only autocast dtype LibTorch has on CPU)");
  }
};

struct AdamOptions {
  std::string type;
  double lr = 1e-3;
  std::optional<double> weight_decay;
  std::vector<double> betas{0.9, 0.999};
  double eps = 1e-8;
  bool amsgrad = false;
  template <class V>
  void visit(V& v) {
    v("type", type);
    v("lr", lr, "learning rate");
    v("weight_decay", weight_decay, "weight decay (AdamW default 0.01, Adam 0)");
    v("betas", betas, "[beta1, beta2]");
    v("eps", eps, "denominator epsilon");
    v("amsgrad", amsgrad, "AMSGrad variant");
  }
};

struct SGDOptions {
  std::string type;
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  template <class V>
  void visit(V& v) {
    v("type", type);
    v.required("lr", lr, "learning rate");
    v("momentum", momentum, "momentum factor");
    v("dampening", dampening, "momentum dampening");
    v("weight_decay", weight_decay, "L2 weight decay");
    v("nesterov", nesterov, "Nesterov momentum");
  }
};

struct CustomKeyOptions {
  double lr_mult = 1.0;
  double decay_mult = 1.0;
  template <class V>
  void visit(V& v) {
    v("lr_mult", lr_mult, "lr multiplier");
    v("decay_mult", decay_mult, "weight decay multiplier");
  }
};

struct ParamwiseOptions {
  ConfigNode custom_keys;
  std::optional<double> norm_decay_mult, bias_decay_mult, bias_lr_mult;
  template <class V>
  void visit(V& v) {
    v("custom_keys", custom_keys, "{substring of parameter name: {lr_mult, decay_mult}}; longest match wins");
    v("norm_decay_mult", norm_decay_mult, "weight decay multiplier of normalization layers");
    v("bias_decay_mult", bias_decay_mult, "weight decay multiplier of biases (outside norm layers)");
    v("bias_lr_mult", bias_lr_mult, "lr multiplier of biases (outside norm layers)");
  }
};

struct ClipOptions {
  double max_norm = 0;
  double norm_type = 2.0;
  template <class V>
  void visit(V& v) {
    v.required("max_norm", max_norm, "maximum global gradient norm");
    v("norm_type", norm_type, "p of the p-norm");
  }
};

bool is_norm_module(const torch::nn::Module& m) {
  return m.name().find("Norm") != std::string::npos;  // BatchNorm*, GroupNorm, LayerNorm, FrozenBatchNorm...
}

std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

}  // namespace

OptimWrapper::OptimWrapper(const ConfigNode& node, const std::string& path, torch::nn::Module& model) {
  const auto o = read_options<OptimWrapperOptions>(node, path, "OptimWrapper");
  if (o.type == "AmpOptimWrapper") {
    amp_ = true;
    if (o.dtype != "bfloat16" && o.dtype != "bf16")
      throw ConfigError(path + ".dtype: '" + o.dtype + "' is not supported; CPU autocast runs in bfloat16");
  } else if (o.type != "OptimWrapper") {
    throw ConfigError(describe_location(path + ".type", node) + ": unknown optim wrapper '" + o.type + "'" +
                      did_you_mean(o.type, {"OptimWrapper", "AmpOptimWrapper"}));
  }
  if (o.accumulative_counts < 1) throw ConfigError(path + ".accumulative_counts: must be >= 1");
  accumulative_counts_ = o.accumulative_counts;
  if (!o.clip_grad.is_null()) {
    const auto clip = read_options<ClipOptions>(o.clip_grad, path + ".clip_grad");
    clip_max_norm_ = clip.max_norm;
    clip_norm_type_ = clip.norm_type;
  }

  std::vector<std::vector<torch::Tensor>> params;
  build_groups(o.paramwise_cfg, path + ".paramwise_cfg", model, params);

  const std::string opath = path + ".optimizer";
  if (!o.optimizer.is_map() || !o.optimizer.has("type"))
    throw ConfigError(describe_location(opath, o.optimizer) + ": expected a map with a 'type' (AdamW, Adam, SGD)");
  optimizer_type_ = o.optimizer.at("type").as<std::string>(opath + ".type");
  std::vector<torch::optim::OptimizerParamGroup> torch_groups;
  if (optimizer_type_ == "AdamW" || optimizer_type_ == "Adam") {
    const auto a = read_options<AdamOptions>(o.optimizer, opath, optimizer_type_);
    if (a.betas.size() != 2) throw ConfigError(opath + ".betas: expected two values [beta1, beta2]");
    const bool w = optimizer_type_ == "AdamW";
    base_weight_decay_ = a.weight_decay.value_or(w ? 1e-2 : 0.0);
    for (size_t g = 0; g < groups_.size(); ++g) {
      const double lr = a.lr * groups_[g].lr_mult, wd = base_weight_decay_ * groups_[g].decay_mult;
      const auto betas = std::make_tuple(a.betas[0], a.betas[1]);
      if (w) {
        torch_groups.emplace_back(params[g], std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(lr).betas(betas).eps(a.eps).weight_decay(wd).amsgrad(a.amsgrad)));
      } else {
        torch_groups.emplace_back(params[g], std::make_unique<torch::optim::AdamOptions>(
            torch::optim::AdamOptions(lr).betas(betas).eps(a.eps).weight_decay(wd).amsgrad(a.amsgrad)));
      }
      initial_lrs_.push_back(lr);
    }
    if (w) optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(torch_groups));
    else optimizer_ = std::make_unique<torch::optim::Adam>(std::move(torch_groups));
  } else if (optimizer_type_ == "SGD") {
    const auto s = read_options<SGDOptions>(o.optimizer, opath, "SGD");
    base_weight_decay_ = s.weight_decay;
    for (size_t g = 0; g < groups_.size(); ++g) {
      const double lr = s.lr * groups_[g].lr_mult;
      torch_groups.emplace_back(params[g], std::make_unique<torch::optim::SGDOptions>(
          torch::optim::SGDOptions(lr).momentum(s.momentum).dampening(s.dampening)
              .weight_decay(s.weight_decay * groups_[g].decay_mult).nesterov(s.nesterov)));
      initial_lrs_.push_back(lr);
    }
    optimizer_ = std::make_unique<torch::optim::SGD>(std::move(torch_groups), torch::optim::SGDOptions(s.lr));
  } else {
    throw ConfigError(describe_location(opath + ".type", o.optimizer.at("type")) + ": unknown optimizer '" +
                      optimizer_type_ + "'" + did_you_mean(optimizer_type_, {"AdamW", "Adam", "SGD"}));
  }
}

OptimWrapper::~OptimWrapper() = default;

void OptimWrapper::build_groups(const ConfigNode& paramwise, const std::string& path, torch::nn::Module& model,
                                std::vector<std::vector<torch::Tensor>>& params) {
  const auto pw = read_options<ParamwiseOptions>(paramwise, path);
  std::vector<std::pair<std::string, CustomKeyOptions>> keys;
  if (!pw.custom_keys.is_null()) {
    if (!pw.custom_keys.is_map()) throw ConfigError(path + ".custom_keys: expected a map {name: {lr_mult, decay_mult}}");
    for (const auto& [key, value] : pw.custom_keys.items())
      keys.emplace_back(key, read_options<CustomKeyOptions>(value, path + ".custom_keys." + key));
    // mmengine: alphabetical, then longest first (stable), so the most specific key wins.
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::stable_sort(keys.begin(), keys.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  }
  std::map<std::pair<double, double>, size_t> group_of;
  std::vector<std::string> unused;
  for (const auto& k : keys) unused.push_back(k.first);
  // (module prefix, module): the root itself, then every submodule. include_self would need the
  // root to live in a shared_ptr, which callers need not guarantee.
  std::vector<std::pair<std::string, torch::nn::Module*>> modules{{"", &model}};
  for (const auto& item : model.named_modules("", /*include_self=*/false)) modules.emplace_back(item.key(), item.value().get());
  for (const auto& [prefix, module] : modules) {
    const bool norm = is_norm_module(*module);
    for (const auto& p : module->named_parameters(/*recurse=*/false)) {
      if (!p.value().requires_grad()) continue;
      const std::string name = prefix.empty() ? p.key() : prefix + "." + p.key();
      double lr_mult = 1.0, decay_mult = 1.0;
      bool custom = false;
      for (const auto& [key, mult] : keys) {
        if (name.find(key) == std::string::npos) continue;
        lr_mult = mult.lr_mult;
        decay_mult = mult.decay_mult;
        custom = true;
        unused.erase(std::remove(unused.begin(), unused.end(), key), unused.end());
        break;
      }
      if (!custom) {
        const bool bias = p.key() == "bias";
        if (norm && pw.norm_decay_mult) decay_mult = *pw.norm_decay_mult;
        else if (bias && pw.bias_decay_mult) decay_mult = *pw.bias_decay_mult;
        if (bias && !norm && pw.bias_lr_mult) lr_mult = *pw.bias_lr_mult;
      }
      auto [it, inserted] = group_of.emplace(std::make_pair(lr_mult, decay_mult), groups_.size());
      if (inserted) {
        groups_.push_back({{}, lr_mult, decay_mult});
        params.emplace_back();
      }
      groups_[it->second].names.push_back(name);
      params[it->second].push_back(p.value());
    }
  }
  if (groups_.empty()) throw ConfigError("optim_wrapper: the model has no trainable parameters");
  if (!unused.empty()) {
    throw ConfigError(path + ".custom_keys: key '" + unused.front() +
                      "' matches no trainable parameter name (e.g. '" + groups_[0].names[0] + "')");
  }
}

void OptimWrapper::initialize_count_status(int64_t iter, int64_t max_iters) {
  inner_count_ = iter;
  max_counts_ = max_iters;
  divisible_counts_ = max_iters / accumulative_counts_ * accumulative_counts_;
  remainder_counts_ = max_iters - divisible_counts_;
}

bool OptimWrapper::update_params(const torch::Tensor& loss) {
  double factor = 1.0;
  if (accumulative_counts_ > 1) {
    if (max_counts_ < 0 || inner_count_ < divisible_counts_) factor = static_cast<double>(accumulative_counts_);
    else factor = static_cast<double>(remainder_counts_);
  }
  const int64_t next = inner_count_ + 1;
  const bool update = next % accumulative_counts_ == 0 || next == max_counts_;
  if (grad_sync_) grad_sync_->prepare(update);
  (factor == 1.0 ? loss : loss / factor).backward();
  if (grad_sync_) grad_sync_->finish();
  inner_count_ = next;
  if (update) step_and_zero();
  return update;
}

void OptimWrapper::step_and_zero() {
  if (clip_max_norm_) {
    std::vector<torch::Tensor> with_grad;
    for (const auto& g : optimizer_->param_groups())
      for (const auto& p : g.params())
        if (p.grad().defined()) with_grad.push_back(p);
    last_grad_norm_ = torch::nn::utils::clip_grad_norm_(with_grad, *clip_max_norm_, clip_norm_type_);
  }
  optimizer_->step();
  optimizer_->zero_grad();
}

std::vector<double> OptimWrapper::lrs() const {
  std::vector<double> out;
  for (size_t i = 0; i < num_values(); ++i) out.push_back(value(i));
  return out;
}

size_t OptimWrapper::num_values() const { return optimizer_->param_groups().size(); }
double OptimWrapper::value(size_t i) const { return optimizer_->param_groups().at(i).options().get_lr(); }
void OptimWrapper::set_value(size_t i, double v) { optimizer_->param_groups().at(i).options().set_lr(v); }

void OptimWrapper::scale_lr(double ratio) {
  for (size_t i = 0; i < num_values(); ++i) {
    set_value(i, value(i) * ratio);
    initial_lrs_.at(i) *= ratio;
  }
}

io::Value OptimWrapper::state_dict() const {
  io::Value state = io::Value::dict();
  io::Value groups = io::Value::list();
  int64_t index = 0;
  for (size_t g = 0; g < optimizer_->param_groups().size(); ++g) {
    const auto& group = optimizer_->param_groups()[g];
    io::Value info = io::Value::dict();
    info.set("lr", value(g)).set("initial_lr", initial_lrs_[g]);
    info.set("lr_mult", groups_[g].lr_mult).set("decay_mult", groups_[g].decay_mult);
    io::Value ids = io::Value::list();
    for (const auto& p : group.params()) {
      const int64_t id = index++;
      ids.push_back(id);
      auto it = optimizer_->state().find(state_key(p));
      if (it == optimizer_->state().end()) continue;  // never stepped
      io::Value s = io::Value::dict();
      auto adam = [&](auto* a) {
        // float32 scalar step tensor, as PyTorch >= 1.12 stores it
        s.set("step", torch::tensor(static_cast<float>(a->step())));
        s.set("exp_avg", a->exp_avg()).set("exp_avg_sq", a->exp_avg_sq());
        if (a->max_exp_avg_sq().defined()) s.set("max_exp_avg_sq", a->max_exp_avg_sq());
      };
      if (auto* a = dynamic_cast<torch::optim::AdamWParamState*>(it->second.get())) adam(a);
      else if (auto* b = dynamic_cast<torch::optim::AdamParamState*>(it->second.get())) adam(b);
      else if (auto* m = dynamic_cast<torch::optim::SGDParamState*>(it->second.get())) {
        if (m->momentum_buffer().defined()) s.set("momentum_buffer", m->momentum_buffer());
      }
      state.set(id, s);
    }
    info.set("params", ids);
    groups.push_back(info);
  }
  io::Value out = io::Value::dict();
  out.set("state", state).set("param_groups", groups).set("type", optimizer_type_);
  return out;
}

void OptimWrapper::load_state_dict(const io::Value& sd) {
  if (const io::Value* type = sd.find("type"); type && type->as_string() != optimizer_type_) {
    throw Error("checkpoint: optimizer is " + type->as_string() + " but the config builds " + optimizer_type_);
  }
  const io::Value& groups = sd.at("param_groups");
  const io::Value& state = sd.at("state");
  if (groups.size() != num_values()) {
    throw Error("checkpoint: optimizer has " + std::to_string(groups.size()) + " parameter groups, this config " +
                std::to_string(num_values()) + " — was paramwise_cfg changed?");
  }
  int64_t index = 0;
  for (size_t g = 0; g < num_values(); ++g) {
    const io::Value& info = groups.elements()[g];
    set_value(g, info.at("lr").as_double());
    if (const io::Value* init = info.find("initial_lr")) initial_lrs_[g] = init->as_double();
    const auto& params = optimizer_->param_groups()[g].params();
    if (info.at("params").size() != params.size()) {
      throw Error("checkpoint: optimizer group " + std::to_string(g) + " has " +
                  std::to_string(info.at("params").size()) + " parameters, the model " + std::to_string(params.size()));
    }
    for (const auto& p : params) {
      const io::Value* s = state.find(index++);
      if (!s) continue;
      auto copy = [&](const std::string& k) -> torch::Tensor {
        const io::Value* t = s->find(k);
        if (!t) return {};
        if (!t->as_tensor().sizes().equals(p.sizes()))
          throw Error("checkpoint: optimizer state '" + k + "' of parameter " + std::to_string(index - 1) +
                      " has a different shape than the parameter");
        return t->as_tensor().detach().clone().to(p.device());
      };
      if (optimizer_type_ == "SGD") {
        auto buf = copy("momentum_buffer");
        if (!buf.defined()) continue;
        auto m = std::make_unique<torch::optim::SGDParamState>();
        m->momentum_buffer(buf);
        optimizer_->state()[state_key(p)] = std::move(m);
        continue;
      }
      auto fill = [&](auto a) {
        const io::Value& step = s->at("step");
        a->step(step.is_tensor() ? static_cast<int64_t>(step.as_tensor().item<double>()) : step.as_int());
        a->exp_avg(copy("exp_avg"));
        a->exp_avg_sq(copy("exp_avg_sq"));
        a->max_exp_avg_sq(copy("max_exp_avg_sq"));
        optimizer_->state()[state_key(p)] = std::move(a);
      };
      if (optimizer_type_ == "AdamW") fill(std::make_unique<torch::optim::AdamWParamState>());
      else fill(std::make_unique<torch::optim::AdamParamState>());
    }
  }
}

}  // namespace detseq
