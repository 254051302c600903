#include "core/engine/optim_wrapper.h"

#include <torch/nn/utils/clip_grad.h>

#include <algorithm>
#include <map>

#include "core/engine/grad_sync.h"
#include "core/engine/optimizers/optimizer.h"
#include "core/registry/options.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct ClipOptions {
  double max_norm = 0;
  double norm_type = 2.0;
  template <class V>
  void visit(V& v) {
    v.required("max_norm", max_norm, "maximum global gradient norm").positive();
    v("norm_type", norm_type, "p of the p-norm").positive();
  }
};

struct OptimWrapperOptions {
  std::string type;
  ComponentCfg optimizer;
  std::optional<ClipOptions> clip_grad;
  int64_t accumulative_counts = 1;
  ConfigNode paramwise_cfg;
  template <class V>
  void visit(V& v) {
    v("type", type);
    v.required("optimizer", optimizer, "the optimizer: {type: AdamW|Adam|SGD, lr: ...} (family optimizer)");
    v("clip_grad", clip_grad, "{max_norm: X, norm_type: 2}: clip gradients by global norm");
    v("accumulative_counts", accumulative_counts, "iterations whose gradients are summed per update").positive();
    v("paramwise_cfg", paramwise_cfg, "per-parameter lr/decay multipliers");
  }
};

struct AmpOptimWrapperOptions : OptimWrapperOptions {
  std::string dtype = "bfloat16";
  template <class V>
  void visit(V& v) {
    OptimWrapperOptions::visit(v);
    v("dtype", dtype, "autocast dtype; CPU autocast in LibTorch runs in bfloat16").one_of({"bfloat16", "bf16"});
  }
};

OptimWrapper::Settings settings_of(const OptimWrapperOptions& o, bool amp) {
  OptimWrapper::Settings s;
  s.optimizer = build<OptimizerRecipe>(o.optimizer);
  if (o.clip_grad) {
    s.clip_max_norm = o.clip_grad->max_norm;
    s.clip_norm_type = o.clip_grad->norm_type;
  }
  s.accumulative_counts = o.accumulative_counts;
  s.paramwise_cfg = o.paramwise_cfg;
  // The section's path: the optimizer's path less its last key.
  s.path = o.optimizer.path.substr(0, o.optimizer.path.rfind('.'));
  s.amp = amp;
  return s;
}

std::shared_ptr<OptimWrapper> make_optim_wrapper(const OptimWrapperOptions& o) {
  return std::make_shared<OptimWrapper>(settings_of(o, false));
}
std::shared_ptr<OptimWrapper> make_amp_optim_wrapper(const AmpOptimWrapperOptions& o) {
  return std::make_shared<OptimWrapper>(settings_of(o, true));
}

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

bool is_norm_module(const torch::nn::Module& m) {
  return m.name().find("Norm") != std::string::npos;  // BatchNorm*, GroupNorm, LayerNorm, FrozenBatchNorm...
}

std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

}  // namespace

DETSEQ_DEFINE_FAMILY(OptimWrapper);
DETSEQ_REGISTER_FACTORY(OptimWrapper, OptimWrapperOptions, "OptimWrapper",
                        "backward, accumulation, clipping, optimizer step (mmengine OptimWrapper)", make_optim_wrapper);
DETSEQ_REGISTER_FACTORY(OptimWrapper, AmpOptimWrapperOptions, "AmpOptimWrapper",
                        "OptimWrapper with the forward under bf16 autocast (= --amp)", make_amp_optim_wrapper);

OptimWrapper::OptimWrapper(Settings settings) : settings_(std::move(settings)) {}

void OptimWrapper::attach(torch::nn::Module& model) {
  if (optimizer_) throw Error(settings_.path + ": the optim wrapper is already attached to a model");
  std::vector<std::vector<torch::Tensor>> params;
  build_groups(model, params);
  std::vector<OptimizerParamGroup> groups;
  for (size_t g = 0; g < groups_.size(); ++g) {
    groups.push_back({params[g], groups_[g].lr_mult, groups_[g].decay_mult});
    initial_lrs_.push_back(settings_.optimizer->lr() * groups_[g].lr_mult);
  }
  optimizer_ = settings_.optimizer->make(groups);
}

std::shared_ptr<OptimWrapper> build_optim_wrapper(const ConfigNode& node, const std::string& path) {
  if (!node.is_map() || node.has("type")) return build<OptimWrapper>(node, path);
  ConfigNode typed = node;
  typed["type"] = make_scalar(std::string("OptimWrapper"));
  typed.find("type")->set_loc(node.loc());
  return build<OptimWrapper>(typed, path);
}

std::shared_ptr<OptimWrapper> build_optim_wrapper(const ConfigNode& node, const std::string& path,
                                                  torch::nn::Module& model) {
  auto wrapper = build_optim_wrapper(node, path);
  wrapper->attach(model);
  return wrapper;
}

torch::optim::Optimizer& OptimWrapper::attached_optimizer() const {
  if (!optimizer_) throw Error(settings_.path + ": the optim wrapper is used before attach(model)");
  return *optimizer_;
}

std::string OptimWrapper::optimizer_type() const { return settings_.optimizer->type(); }

OptimWrapper::~OptimWrapper() = default;

void OptimWrapper::build_groups(torch::nn::Module& model, std::vector<std::vector<torch::Tensor>>& params) {
  const std::string path = settings_.path + ".paramwise_cfg";
  const auto pw = read_options<ParamwiseOptions>(settings_.paramwise_cfg, path);
  std::vector<std::pair<std::string, CustomKeyOptions>> keys;
  if (!pw.custom_keys.is_null()) {
    if (!pw.custom_keys.is_map())
      throw ConfigError(path + ".custom_keys: expected a map {name: {lr_mult, decay_mult}}");
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
  for (const auto& item : model.named_modules("", /*include_self=*/false))
    modules.emplace_back(item.key(), item.value().get());
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
        if (norm && pw.norm_decay_mult)
          decay_mult = *pw.norm_decay_mult;
        else if (bias && pw.bias_decay_mult)
          decay_mult = *pw.bias_decay_mult;
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
  if (groups_.empty()) throw ConfigError(settings_.path + ": the model has no trainable parameters");
  if (!unused.empty()) {
    throw ConfigError(path + ".custom_keys: key '" + unused.front() + "' matches no trainable parameter name (e.g. '" +
                      groups_[0].names[0] + "')");
  }
}

void OptimWrapper::initialize_count_status(int64_t iter, int64_t max_iters) {
  inner_count_ = iter;
  max_counts_ = max_iters;
  const int64_t counts = settings_.accumulative_counts;
  divisible_counts_ = max_iters / counts * counts;
  remainder_counts_ = max_iters - divisible_counts_;
}

bool OptimWrapper::update_params(const torch::Tensor& loss) {
  const int64_t counts = settings_.accumulative_counts;
  double factor = 1.0;
  if (counts > 1) {
    if (max_counts_ < 0 || inner_count_ < divisible_counts_)
      factor = static_cast<double>(counts);
    else
      factor = static_cast<double>(remainder_counts_);
  }
  const int64_t next = inner_count_ + 1;
  const bool update = next % counts == 0 || next == max_counts_;
  if (grad_sync_) grad_sync_->prepare(update);
  (factor == 1.0 ? loss : loss / factor).backward();
  if (grad_sync_) grad_sync_->finish();
  inner_count_ = next;
  if (update) step_and_zero();
  return update;
}

void OptimWrapper::step_and_zero() {
  torch::optim::Optimizer& optimizer = attached_optimizer();
  if (settings_.clip_max_norm) {
    std::vector<torch::Tensor> with_grad;
    for (const auto& g : optimizer.param_groups())
      for (const auto& p : g.params())
        if (p.grad().defined()) with_grad.push_back(p);
    last_grad_norm_ = torch::nn::utils::clip_grad_norm_(with_grad, *settings_.clip_max_norm, settings_.clip_norm_type);
  }
  optimizer.step();
  optimizer.zero_grad();
}

std::vector<double> OptimWrapper::lrs() const {
  std::vector<double> out;
  for (size_t i = 0; i < num_values(); ++i) out.push_back(value(i));
  return out;
}

size_t OptimWrapper::num_values() const { return attached_optimizer().param_groups().size(); }
double OptimWrapper::value(size_t i) const { return attached_optimizer().param_groups().at(i).options().get_lr(); }
void OptimWrapper::set_value(size_t i, double v) { attached_optimizer().param_groups().at(i).options().set_lr(v); }

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
  const torch::optim::Optimizer& optimizer = attached_optimizer();
  for (size_t g = 0; g < optimizer.param_groups().size(); ++g) {
    const auto& group = optimizer.param_groups()[g];
    io::Value info = io::Value::dict();
    info.set("lr", value(g)).set("initial_lr", initial_lrs_[g]);
    info.set("lr_mult", groups_[g].lr_mult).set("decay_mult", groups_[g].decay_mult);
    io::Value ids = io::Value::list();
    for (const auto& p : group.params()) {
      const int64_t id = index++;
      ids.push_back(id);
      auto it = optimizer.state().find(state_key(p));
      if (it == optimizer.state().end()) continue;  // never stepped
      io::Value s = settings_.optimizer->save_state(*it->second);
      if (s.size() == 0) continue;
      state.set(id, s);
    }
    info.set("params", ids);
    groups.push_back(info);
  }
  io::Value out = io::Value::dict();
  out.set("state", state).set("param_groups", groups).set("type", optimizer_type());
  return out;
}

void OptimWrapper::load_state_dict(const io::Value& sd) {
  if (const io::Value* type = sd.find("type"); type && type->as_string() != optimizer_type()) {
    throw Error("checkpoint: optimizer is " + type->as_string() + " but the config builds " + optimizer_type());
  }
  torch::optim::Optimizer& optimizer = attached_optimizer();
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
    const auto& params = optimizer.param_groups()[g].params();
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
      auto loaded = settings_.optimizer->load_state(*s, copy);
      if (loaded) optimizer.state()[state_key(p)] = std::move(loaded);
    }
  }
}

}  // namespace detseq
