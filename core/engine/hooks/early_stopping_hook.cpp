// EarlyStoppingHook (mmengine's): stops training when the monitored validation metric has not
// improved by min_delta for `patience` validations, reached stopping_threshold, or is not finite.
#include <cmath>
#include <limits>

#include "core/engine/hook.h"
#include "core/engine/metric_rule.h"
#include "core/engine/runner.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct EarlyStoppingHookOptions {
  std::string monitor;
  std::string rule;
  double min_delta = 0.1;
  bool strict = false;
  bool check_finite = true;
  int64_t patience = 5;
  std::optional<double> stopping_threshold;
  template <class V>
  void visit(V& v) {
    v.required("monitor", monitor, "metric to watch, e.g. coco/bbox_mAP");
    v("rule", rule, "greater or less (default: inferred from the name; 'loss' -> less)");
    v("min_delta", min_delta, "smallest change that counts as an improvement");
    v("strict", strict, "error when the metric is missing (else a warning)");
    v("check_finite", check_finite, "stop when the metric is NaN or Inf");
    v("patience", patience, "validations without improvement before stopping");
    v("stopping_threshold", stopping_threshold, "stop once the metric reaches this value");
  }
};

class EarlyStoppingHook : public Hook {
 public:
  explicit EarlyStoppingHook(const EarlyStoppingHookOptions& o)
      : o_(o), greater_(metric_rule_is_greater(o.rule, o.monitor, "EarlyStoppingHook.rule")) {
    best_ = greater_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }

  void after_val_epoch(Runner& r, const MetricResults& metrics) override {
    auto it = metrics.find(o_.monitor);
    if (it == metrics.end()) {
      const std::string msg = "EarlyStoppingHook: metric '" + o_.monitor + "' is not among the validation results";
      if (o_.strict) throw Error(msg);
      DETSEQ_WARN("{}", msg);
      return;
    }
    const double value = it->second;
    if (o_.check_finite && !std::isfinite(value)) {
      r.request_stop("monitored metric " + o_.monitor + " is not finite");
      return;
    }
    if (o_.stopping_threshold && (greater_ ? value >= *o_.stopping_threshold : value <= *o_.stopping_threshold)) {
      r.request_stop(o_.monitor + " reached the stopping threshold");
      return;
    }
    const bool improved = greater_ ? value - o_.min_delta > best_ : value + o_.min_delta < best_;
    if (improved) {
      best_ = value;
      wait_ = 0;
      return;
    }
    if (++wait_ >= o_.patience) {
      r.request_stop(o_.monitor + " did not improve by " + std::to_string(o_.min_delta) + " in " +
                     std::to_string(o_.patience) + " validations (best " + std::to_string(best_) + ")");
    }
  }

  void before_save_checkpoint(Runner&, io::Value& ckpt) override {
    ckpt.set("early_stopping", io::Value::dict().set("best", best_).set("wait", wait_));
  }
  void after_load_checkpoint(Runner&, const io::Value& ckpt) override {
    if (const io::Value* s = ckpt.find("early_stopping")) {
      best_ = s->at("best").as_double();
      wait_ = s->at("wait").as_int();
    }
  }

 private:
  EarlyStoppingHookOptions o_;
  bool greater_;
  double best_;
  int64_t wait_ = 0;
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, EarlyStoppingHook, EarlyStoppingHookOptions, "EarlyStoppingHook",
                   "stop training when a validation metric stops improving");
}  // namespace detseq
