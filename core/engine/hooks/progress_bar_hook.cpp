// ProgressBarHook: a progress bar over the training iterations (done/total, it/s, elapsed, eta,
// current loss), for interactive runs such as tools/main_job.sh. LoggerHook's lines stay the
// record; this is only what a person watches. Redrawn in place on a terminal, periodic lines
// otherwise (core/logging/progress_bar.h); rank 0 only.
#include <cstdio>
#include <memory>

#include "core/dist/dist.h"
#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/logging/progress_bar.h"

namespace detseq {
namespace {

struct ProgressBarHookOptions {
  template <class V>
  void visit(V&) {}
};

class ProgressBarHook : public Hook {
 public:
  explicit ProgressBarHook(const ProgressBarHookOptions&) {}
  // After the timer and scheduler hooks have run for the iteration, before checkpointing.
  int default_priority() const override { return static_cast<int>(Priority::LOW); }

  void before_train(Runner& r) override {
    // A resumed run counts the remaining iterations only, so rate and eta stay right.
    bar_ = std::make_unique<ProgressBar>("train", r.max_iters() - r.iter(), dist::is_main_process());
  }
  void after_train_iter(Runner&, int64_t, const Batch&, const LossDict& losses) override {
    if (!bar_) return;
    char suffix[48];
    std::snprintf(suffix, sizeof(suffix), "loss %.4f", total_loss(losses).item<double>());
    bar_->update(1, suffix);
  }
  void after_train(Runner&) override {
    if (bar_) bar_->finish();
    bar_.reset();
  }

 private:
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, ProgressBarHook, ProgressBarHookOptions, "ProgressBarHook",
                   "progress bar over training iterations (done/total, it/s, eta, loss)");
}  // namespace detseq
