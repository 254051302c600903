// IterTimerHook: wall time per iteration (`time`) and the part spent waiting for data
// (`data_time`), written to the message hub for LoggerHook (which derives the ETA from them).
#include <chrono>

#include "core/engine/hook.h"
#include "core/engine/runner.h"

namespace detseq {
namespace {

struct IterTimerHookOptions {
  template <class V>
  void visit(V&) {}
};

class IterTimerHook : public Hook {
 public:
  explicit IterTimerHook(const IterTimerHookOptions&) {}
  int default_priority() const override { return static_cast<int>(Priority::NORMAL); }

  void before_train_epoch(Runner&) override { last_ = Clock::now(); }
  void before_val_epoch(Runner&) override { last_ = Clock::now(); }
  void before_test_epoch(Runner&) override { last_ = Clock::now(); }
  void before_train_iter(Runner& r, int64_t, const Batch&) override { data_done(r, "train/"); }
  void before_val_iter(Runner& r, int64_t, const Batch&) override { data_done(r, "val/"); }
  void before_test_iter(Runner& r, int64_t, const Batch&) override { data_done(r, "test/"); }
  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict&) override { iter_done(r, "train/"); }
  void after_val_iter(Runner& r, int64_t, const Batch&, const std::vector<Detections>&) override {
    iter_done(r, "val/");
  }
  void after_test_iter(Runner& r, int64_t, const Batch&, const std::vector<Detections>&) override {
    iter_done(r, "test/");
  }
  // Validation inside training must not count as the next training iteration's data time.
  void after_val(Runner&) override { last_ = Clock::now(); }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  void data_done(Runner& r, const std::string& prefix) {
    r.message_hub().update_scalar(prefix + "data_time", seconds(Clock::now() - last_));
  }
  void iter_done(Runner& r, const std::string& prefix) {
    const auto now = Clock::now();
    r.message_hub().update_scalar(prefix + "time", seconds(now - last_));
    last_ = now;
  }
  Clock::time_point last_ = Clock::now();
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, IterTimerHook, IterTimerHookOptions, "IterTimerHook",
                   "time and data_time per iteration (for logs and ETA)");
}  // namespace detseq
