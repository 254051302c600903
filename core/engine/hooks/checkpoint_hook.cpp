// CheckpointHook (mmengine's): saves epoch_N.pth / iter_N.pth every `interval`, keeps the newest
// `max_keep_ckpts`, records the latest path in <work_dir>/last_checkpoint (for --resume auto),
// and with `save_best` keeps best_<metric>_<epoch|iter>_N.pth by `rule`. Files are written
// atomically (core/io), so a run killed during a save leaves the previous checkpoint usable; a
// model with NaN/Inf weights is never saved (Runner::save_checkpoint) and a NaN metric is never best.
#include <cmath>
#include <filesystem>
#include <limits>
#include <regex>

#include "core/dist/dist.h"
#include "core/engine/hook.h"
#include "core/engine/metric_rule.h"
#include "core/engine/runner.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace detseq {
namespace {

struct CheckpointHookOptions {
  int64_t interval = 1;
  bool by_epoch = true;
  int64_t max_keep_ckpts = -1;
  bool save_last = true;
  std::string save_best;
  std::string rule;
  template <class V>
  void visit(V& v) {
    v("interval", interval, "save every N epochs (by_epoch) or iterations; <= 0 only saves the last");
    v("by_epoch", by_epoch, "count the interval in epochs (true) or iterations (false)");
    v("max_keep_ckpts", max_keep_ckpts, "delete older periodic checkpoints beyond this many (-1 keeps all)");
    v("save_last", save_last, "always save at the end of training");
    v("save_best", save_best, "metric to keep the best checkpoint of ('auto' = the first metric)");
    v("rule", rule, "greater or less (default: inferred from the metric name)");
  }
};

class CheckpointHook : public Hook {
 public:
  explicit CheckpointHook(const CheckpointHookOptions& o) : o_(o) {
    if (!o_.rule.empty()) metric_rule_is_greater(o_.rule, "", "CheckpointHook.rule");
  }
  int default_priority() const override { return static_cast<int>(Priority::VERY_LOW); }

  void before_train(Runner&) override { training_ = true; }
  void after_train(Runner&) override { training_ = false; }

  void after_train_epoch(Runner& r) override {
    if (!o_.by_epoch || !r.by_epoch()) return;
    if (due(r.epoch(), r.max_epochs())) save_periodic(r, "epoch_" + std::to_string(r.epoch()) + ".pth");
  }
  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict&) override {
    if (o_.by_epoch && r.by_epoch()) return;
    if (due(r.iter(), r.max_iters())) save_periodic(r, "iter_" + std::to_string(r.iter()) + ".pth");
  }

  void after_val_epoch(Runner& r, const MetricResults& metrics) override {
    if (!training_ || o_.save_best.empty() || metrics.empty()) return;
    std::string key = o_.save_best == "auto" ? metrics.begin()->first : o_.save_best;
    auto it = metrics.find(key);
    if (it == metrics.end()) {
      throw Error("CheckpointHook.save_best: metric '" + key + "' is not among the validation results (" +
                  metrics.begin()->first + ", ...)");
    }
    if (!std::isfinite(it->second)) {  // NaN compares false both ways: it would always win
      DETSEQ_WARN("CheckpointHook.save_best: {} is {} at this validation; not a best checkpoint", key, it->second);
      return;
    }
    const bool greater = metric_rule_is_greater(o_.rule, key, "CheckpointHook.rule");
    if (best_score_ && (greater ? it->second <= *best_score_ : it->second >= *best_score_)) return;
    best_score_ = it->second;
    const std::string step = r.by_epoch() ? "epoch_" + std::to_string(r.epoch()) : "iter_" + std::to_string(r.iter());
    const std::string name = "best_" + std::regex_replace(key, std::regex("[/ ]"), "_") + "_" + step + ".pth";
    r.message_hub().set_info("best_score", std::to_string(*best_score_));
    const std::string path = r.save_checkpoint(name);
    if (dist::is_main_process()) {
      if (!best_ckpt_.empty() && best_ckpt_ != path) fs::remove(best_ckpt_);
      best_ckpt_ = path;
      DETSEQ_INFO("best {} = {:.4f}: {}", key, *best_score_, path);
    }
  }

  void before_save_checkpoint(Runner&, io::Value& ckpt) override {
    io::Value keep = io::Value::list();
    for (const auto& k : kept_) keep.push_back(k);
    io::Value state = io::Value::dict();
    state.set("keep_ckpts", keep).set("best_ckpt", best_ckpt_);
    if (best_score_) state.set("best_score", *best_score_);
    ckpt.set("checkpoint_hook", state);
  }
  void after_load_checkpoint(Runner&, const io::Value& ckpt) override {
    const io::Value* s = ckpt.find("checkpoint_hook");
    if (!s) return;
    kept_.clear();
    for (const auto& k : s->at("keep_ckpts").elements()) kept_.push_back(k.as_string());
    best_ckpt_ = s->at("best_ckpt").as_string();
    if (const io::Value* b = s->find("best_score")) best_score_ = b->as_double();
  }

 private:
  bool due(int64_t done, int64_t max) const {
    return (o_.interval > 0 && done % o_.interval == 0) || (o_.save_last && done == max);
  }

  void save_periodic(Runner& r, const std::string& name) {
    const std::string path = (fs::path(r.work_dir()) / name).string();
    if (kept_.empty() || kept_.back() != path) kept_.push_back(path);
    r.save_checkpoint(name);
    r.mark_last_checkpoint(path);
    if (!dist::is_main_process()) return;
    while (o_.max_keep_ckpts > 0 && static_cast<int64_t>(kept_.size()) > o_.max_keep_ckpts) {
      fs::remove(kept_.front());
      kept_.erase(kept_.begin());
    }
  }

  CheckpointHookOptions o_;
  bool training_ = false;
  std::vector<std::string> kept_;
  std::optional<double> best_score_;
  std::string best_ckpt_;
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, CheckpointHook, CheckpointHookOptions, "CheckpointHook",
                   "periodic / best checkpoints, max_keep_ckpts, last_checkpoint marker");
}  // namespace detseq
