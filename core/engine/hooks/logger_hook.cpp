// LoggerHook: every `interval` training iterations (of the epoch, for epoch-based loops, as
// mmengine), one text line (console + log file) and one row of scalars handed to the run's
// visualizer (core/engine/visualizer.h; by default LocalVisBackend: a JSON line in
// <work_dir>/<timestamp>/vis_data/scalars.json and vis_data/<timestamp>.json) (lr, eta, time,
// data_time, memory, grad_norm, loss, each loss term; averaged over the interval, in mmengine's
// order), plus one row per validation / test with the metrics. The last iterations of an epoch
// that do not fill an interval are logged unless ignore_last, and always when the epoch is
// shorter than the interval (else such a run would log no training scalars at all). Rank 0 only.
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "core/dist/dist.h"
#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/engine/visualizer.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct LoggerHookOptions {
  int64_t interval = 10;
  bool ignore_last = true;
  bool log_metric_by_epoch = true;
  template <class V>
  void visit(V& v) {
    v("interval", interval, "log every N training iterations (of the epoch, for epoch-based loops)");
    v("ignore_last", ignore_last,
      "skip the last iterations of an epoch that do not fill an interval (an epoch shorter than the interval is "
      "still logged at its end)");
    v("log_metric_by_epoch", log_metric_by_epoch, "validation metrics are logged against the epoch (else the iteration)");
  }
};

std::string format_eta(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  std::ostringstream os;
  if (s >= 86400) os << s / 86400 << " day, ";
  os << (s % 86400) / 3600 << ":" << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << ":" << std::setw(2)
     << std::setfill('0') << s % 60;
  return os.str();
}

// Resident memory in MB (CPU; mmengine reports CUDA max_memory_allocated on GPUs).
double memory_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0.0;
}

class LoggerHook : public Hook {
 public:
  explicit LoggerHook(const LoggerHookOptions& o) : o_(o) {
    if (o_.interval <= 0) throw ConfigError("LoggerHook.interval: must be > 0");
  }
  int default_priority() const override { return static_cast<int>(Priority::BELOW_NORMAL); }

  void before_run(Runner& r) override { vis_ = Visualizer::of_run(r); }

  void after_train_iter(Runner& r, int64_t batch_idx, const Batch&, const LossDict&) override {
    const int64_t per_epoch = r.train_dataloader().batches_per_epoch();
    if (!should_log(r, batch_idx, per_epoch)) return;
    if (!dist::is_main_process()) {
      mark_logged(r);
      return;
    }
    Scalars values = interval_means(r);
    const double eta = value_of(values, "time") * static_cast<double>(r.max_iters() - r.iter());
    set_value(values, "eta", eta);
    set_value(values, "memory", memory_mb());
    values = in_log_order(std::move(values));

    std::ostringstream text;
    if (r.by_epoch()) {
      text << "Epoch(train) [" << r.epoch() + 1 << "][" << std::setw(std::to_string(per_epoch).size()) << batch_idx + 1
           << "/" << per_epoch << "]";
    } else {
      text << "Iter(train) [" << r.iter() << "/" << r.max_iters() << "]";
    }
    for (const auto& [k, v] : values) {
      text << "  " << k << ": ";
      if (k == "eta") text << format_eta(v);
      else if (k == "lr") text << scientific(v);
      else text << fixed(v, k == "memory" ? 0 : 4);
    }
    DETSEQ_INFO("{}", text.str());
    values.emplace_back("epoch", static_cast<double>(r.epoch() + 1));
    values.emplace_back("iter", static_cast<double>(r.iter()));
    add_scalars(values, r.iter());
  }

  void after_val_epoch(Runner& r, const MetricResults& metrics) override { log_metrics(r, "val", metrics); }
  void after_test_epoch(Runner& r, const MetricResults& metrics) override { log_metrics(r, "test", metrics); }

 private:
  using Scalars = std::vector<std::pair<std::string, double>>;

  // mmengine's LoggerHook.after_train_iter: epoch loops count iterations within the epoch and log
  // the end of an epoch unless ignore_last, and always when the epoch is not longer than the
  // interval; iteration loops count all iterations.
  bool should_log(Runner& r, int64_t batch_idx, int64_t per_epoch) const {
    if (!r.by_epoch()) return r.iter() % o_.interval == 0;
    if ((batch_idx + 1) % o_.interval == 0) return true;
    const bool end_of_epoch = batch_idx + 1 == per_epoch;
    return end_of_epoch && (!o_.ignore_last || per_epoch <= o_.interval);
  }

  // mmengine's LogProcessor order: lr, eta, time, data_time, memory, then the rest (grad_norm,
  // loss, the loss terms and other model scalars; by name, as detseq's LossDict is sorted).
  static Scalars in_log_order(Scalars values) {
    static const std::vector<std::string> leading = {"lr", "eta", "time", "data_time", "memory", "grad_norm", "loss"};
    auto rank = [&](const std::string& k) {
      const auto it = std::find(leading.begin(), leading.end(), k);
      return static_cast<size_t>(it - leading.begin());
    };
    std::stable_sort(values.begin(), values.end(), [&](const auto& a, const auto& b) {
      return std::make_pair(rank(a.first), a.first) < std::make_pair(rank(b.first), b.first);
    });
    return values;
  }
  static double value_of(const Scalars& values, const std::string& key) {
    for (const auto& [k, v] : values)
      if (k == key) return v;
    return 0.0;
  }
  static void set_value(Scalars& values, const std::string& key, double v) {
    for (auto& [k, x] : values)
      if (k == key) {
        x = v;
        return;
      }
    values.emplace_back(key, v);
  }

  static std::string fixed(double v, int digits) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(digits) << v;
    return os.str();
  }
  static std::string scientific(double v) {
    std::ostringstream os;
    os << std::scientific << std::setprecision(4) << v;
    return os.str();
  }

  // Mean of each train/ scalar over the updates since the previous log line.
  Scalars interval_means(Runner& r) {
    Scalars out;
    for (const auto& [key, hist] : r.message_hub().scalars()) {
      if (key.rfind("train/", 0) != 0) continue;
      const int64_t fresh = hist.total_updates() - seen_[key];
      if (fresh <= 0) continue;
      out.emplace_back(key.substr(6), hist.mean(fresh));
      seen_[key] = hist.total_updates();
    }
    return out;
  }
  void mark_logged(Runner& r) {
    for (const auto& [key, hist] : r.message_hub().scalars()) seen_[key] = hist.total_updates();
  }

  void log_metrics(Runner& r, const std::string& mode, const MetricResults& metrics) {
    if (!dist::is_main_process() || metrics.empty()) return;
    std::ostringstream text;
    if (mode == "val" && r.by_epoch() && o_.log_metric_by_epoch) text << "Epoch(val) [" << r.epoch() << "]";
    else if (mode == "val") text << "Iter(val) [" << r.iter() << "]";
    else text << "Epoch(test)";
    Scalars values;
    for (const auto& [k, v] : metrics) {
      text << "  " << k << ": " << fixed(v, 4);
      values.emplace_back(k, v);
    }
    DETSEQ_INFO("{}", text.str());
    if (mode == "val") {
      values.emplace_back("epoch", static_cast<double>(r.epoch()));
      values.emplace_back("iter", static_cast<double>(r.iter()));
    }
    add_scalars(values, mode == "val" ? (o_.log_metric_by_epoch && r.by_epoch() ? r.epoch() : r.iter()) : 0);
  }

  void add_scalars(const Scalars& values, int64_t step) {
    if (vis_) vis_->add_scalars(values, step);
  }

  LoggerHookOptions o_;
  std::shared_ptr<Visualizer> vis_;  // the run's, shared with DetVisualizationHook
  std::map<std::string, int64_t> seen_;
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, LoggerHook, LoggerHookOptions, "LoggerHook",
                   "text log + a row of scalars to the visualizer (vis_data/scalars.json) every `interval` iterations");
}  // namespace detseq
