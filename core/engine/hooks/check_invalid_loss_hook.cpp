// CheckInvalidLossHook: every `interval` iterations, a NaN/Inf total loss stops training with an
// error naming the iteration and every loss term's value (mmengine raises too). A default hook
// (`default_hooks.check_invalid_loss`; set it to null to opt out): the loss terms are host
// scalars already, so checking every iteration costs nothing.
#include <cmath>
#include <sstream>

#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct CheckInvalidLossHookOptions {
  int64_t interval = 1;
  template <class V>
  void visit(V& v) {
    v("interval", interval, "check every N iterations");
  }
};

class CheckInvalidLossHook : public Hook {
 public:
  explicit CheckInvalidLossHook(const CheckInvalidLossHookOptions& o) : interval_(o.interval) {
    if (interval_ <= 0) throw ConfigError("CheckInvalidLossHook.interval: must be > 0");
  }
  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict& losses) override {
    if (r.iter() % interval_ != 0 && r.iter() != r.max_iters()) return;
    double total = 0;
    std::ostringstream terms;
    for (const auto& [name, value] : losses) {
      const double v = value.item<double>();
      if (name.find("loss") != std::string::npos) total += v;
      terms << " " << name << "=" << v;
    }
    if (!std::isfinite(total)) {
      r.request_stop("invalid loss");
      throw Error("loss became infinite or NaN at iteration " + std::to_string(r.iter()) + " (epoch " +
                  std::to_string(r.epoch() + 1) + "):" + terms.str() +
                  " — lower the lr, enable clip_grad, or check the data");
    }
  }

 private:
  int64_t interval_;
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, CheckInvalidLossHook, CheckInvalidLossHookOptions, "CheckInvalidLossHook",
                   "stop with an error when the loss becomes NaN or Inf");
}  // namespace detseq
