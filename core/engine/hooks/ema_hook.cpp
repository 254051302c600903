// EMAHook (mmengine's, with ExponentialMovingAverage): keeps an exponential moving average of the
// model's parameters, updated after training iterations from `begin_iter` on:
//   ema = (1 - momentum) * ema + momentum * param      (the first update copies the parameters)
// (mmengine counts updates in `steps`; an update averages when steps % interval == 0; buffers
// are copied unless update_buffers.) Validation and testing run with the EMA weights (swapped in for the evaluation, swapped back
// after). In checkpoints "state_dict" holds the EMA weights (so `detseq test` evaluates them) and
// "ema_state_dict" the raw training weights; resume swaps them back.
#include <torch/torch.h>

#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/io/state_dict.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct EMAHookOptions {
  std::string ema_type = "ExponentialMovingAverage";
  double momentum = 0.0002;
  int64_t interval = 1;
  bool update_buffers = false;
  int64_t begin_iter = 0;
  bool strict_load = true;
  template <class V>
  void visit(V& v) {
    v("ema_type", ema_type, "ExponentialMovingAverage (the only averaging rule here)");
    v("momentum", momentum, "weight of the new parameters in each update");
    v("interval", interval, "update every N iterations");
    v("update_buffers", update_buffers, "average buffers too (else they are copied)");
    v("begin_iter", begin_iter, "first iteration that updates the average");
    v("strict_load", strict_load, "resume: the EMA state must match the model exactly");
  }
};

class EMAHook : public Hook {
 public:
  explicit EMAHook(const EMAHookOptions& o) : o_(o) {
    if (o_.ema_type != "ExponentialMovingAverage") {
      throw ConfigError("EMAHook.ema_type: '" + o_.ema_type + "' is not supported (ExponentialMovingAverage)");
    }
    if (o_.momentum <= 0 || o_.momentum >= 1) throw ConfigError("EMAHook.momentum: must lie in (0, 1)");
    if (o_.interval <= 0) throw ConfigError("EMAHook.interval: must be > 0");
  }
  int default_priority() const override { return 49; }  // mmengine: just above NORMAL

  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict&) override {
    if (r.iter() < o_.begin_iter) return;  // mmengine: started once runner.iter + 1 >= begin_iter
    torch::NoGradGuard no_grad;
    if (steps_ == 0) {
      ema_ = io::StateDict();
      for (const auto& p : io::module_state_dict(r.model())) ema_.insert(p.key(), p.value().detach().clone());
    } else {
      if (steps_ % o_.interval == 0) average(r.model().named_parameters());
      if (o_.update_buffers && steps_ % o_.interval == 0) average(r.model().named_buffers());
    }
    if (!o_.update_buffers) {
      for (const auto& b : r.model().named_buffers()) ema_[b.key()].copy_(b.value().detach());
    }
    ++steps_;
  }

  void before_val_epoch(Runner& r) override { swap(r); }
  void after_val_epoch(Runner& r, const MetricResults&) override { swap(r); }
  void before_test_epoch(Runner& r) override { swap(r); }
  void after_test_epoch(Runner& r, const MetricResults&) override { swap(r); }
  // An evaluation that failed between the two swaps leaves the averaged weights in the model.
  void on_exception(Runner& r, const std::string&) override {
    if (swapped_) swap(r);
  }

  void before_save_checkpoint(Runner&, io::Value& ckpt) override {
    if (steps_ == 0) return;
    // "state_dict" <- EMA weights, "ema_state_dict" <- raw weights (+ the update count).
    const io::Value raw = ckpt.at("state_dict");
    ckpt.set("state_dict", io::state_dict_to_value(ema_));
    ckpt.set("ema_state_dict", raw);
    ckpt.set("ema_steps", steps_);
  }

  void after_load_checkpoint(Runner& r, const io::Value& ckpt) override {
    const io::Value* raw = ckpt.find("ema_state_dict");
    if (!raw) return;  // saved without EMA: the average restarts from the loaded weights
    // The runner loaded "state_dict" (the EMA) into the model: keep it as the average, then put
    // the raw weights back into the model.
    torch::NoGradGuard no_grad;
    ema_ = io::StateDict();
    for (const auto& p : io::module_state_dict(r.model())) ema_.insert(p.key(), p.value().detach().clone());
    const auto report = io::load_state_dict(r.model(), io::value_to_state_dict(*raw), o_.strict_load, "ema_state_dict");
    steps_ = ckpt.at("ema_steps").as_int();
    DETSEQ_INFO("EMAHook: restored the average of {} updates ({})", steps_, report.summary());
  }

 private:
  void average(const torch::OrderedDict<std::string, torch::Tensor>& source) {
    for (const auto& p : source) {
      auto& avg = ema_[p.key()];
      if (avg.is_floating_point()) avg.lerp_(p.value().detach(), o_.momentum);  // avg += m * (p - avg)
    }
  }

  void swap(Runner& r) {
    if (steps_ == 0) return;  // nothing averaged yet: evaluate the model as it is
    swapped_ = !swapped_;
    torch::NoGradGuard no_grad;
    for (auto& p : io::module_state_dict(r.model())) {
      auto& avg = ema_[p.key()];
      torch::Tensor tmp = p.value().clone();
      p.value().copy_(avg);
      avg.copy_(tmp);
    }
  }

  EMAHookOptions o_;
  io::StateDict ema_;
  int64_t steps_ = 0;
  bool swapped_ = false;  // the model holds the averaged weights (between before_ and after_*_epoch)
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, EMAHook, EMAHookOptions, "EMAHook",
                   "exponential moving average of the weights, used for validation and test");
}  // namespace detseq
