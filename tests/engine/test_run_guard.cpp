// The runner's guard (core/engine/run_guard.h): a stage that throws still closes what it opened —
// on_exception, after_train and after_run run, EMA weights are swapped back, the model is back in
// train mode, and the error is in the run's log file — and the exception reaches the caller as is.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/io/state_dict.h"
#include "core/util/error.h"
#include "tests/engine/toy.h"

namespace fs = std::filesystem;

namespace detseq::test {
namespace {

struct GuardRecord {
  std::vector<std::string> stages;
  std::vector<torch::Tensor> last_train_weights;  // after the last training iteration
};
GuardRecord& g_guard() {
  static GuardRecord r;
  return r;
}

struct FailAtHookOptions {
  std::string where = "train_iter";
  int64_t at = 1;
  template <class V>
  void visit(V& v) {
    v("where", where).one_of({"train_iter", "val_iter", "after_train"});
    v("at", at);
  }
};
// Throws at training iteration `at`, in the first validation batch, or in after_train; records the
// stages the guard must still run and the weights after each training iteration.
class FailAtHook : public Hook {
 public:
  explicit FailAtHook(const FailAtHookOptions& o) : o_(o) {}
  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict&) override {
    g_guard().last_train_weights.clear();
    for (const auto& p : r.model().parameters()) g_guard().last_train_weights.push_back(p.detach().clone());
    if (o_.where == "train_iter" && r.iter() == o_.at) throw Error("injected failure at iteration " + std::to_string(o_.at));
  }
  void after_val_iter(Runner&, int64_t, const Batch&, const std::vector<Detections>&) override {
    if (o_.where == "val_iter") throw Error("injected failure in validation");
  }
  void on_exception(Runner& r, const std::string& what) override {
    g_guard().stages.push_back("on_exception: " + what + (r.model().is_training() ? " (train mode)" : " (eval mode)"));
  }
  void after_train(Runner&) override {
    g_guard().stages.push_back("after_train");
    if (o_.where == "after_train") throw Error("injected failure in after_train");
  }
  void after_run(Runner&) override { g_guard().stages.push_back("after_run"); }

 private:
  FailAtHookOptions o_;
};
DETSEQ_REGISTER(Hook, FailAtHook, FailAtHookOptions);

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("detseq_guard_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

std::string run_log(const Runner& r) {
  std::string text;
  for (const auto& e : fs::directory_iterator(r.log_dir())) {
    if (e.path().extension() != ".log") continue;
    std::ifstream in(e.path());
    text += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return text;
}

TEST(RunGuard, ATrainingErrorStillClosesTheRunAndIsLogged) {
  g_guard() = {};
  auto runner = Runner::from_config(toy_config(temp_dir("train"), "custom_hooks: [{type: FailAtHook, at: 3}]"));
  try {
    runner->train();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "injected failure at iteration 3");  // unchanged
  }
  EXPECT_EQ(g_guard().stages, (std::vector<std::string>{"on_exception: injected failure at iteration 3 (train mode)",
                                                         "after_train", "after_run"}));
  EXPECT_EQ(runner->mode(), RunnerMode::Idle);
  EXPECT_NE(run_log(*runner).find("training stopped: injected failure at iteration 3"), std::string::npos);
}

TEST(RunGuard, AValidationErrorSwapsTheEmaWeightsBackAndRestoresTrainMode) {
  g_guard() = {};
  const std::string extra = R"(
custom_hooks:
  - {type: EMAHook, momentum: 0.5}
  - {type: FailAtHook, where: val_iter}
)";
  auto runner = Runner::from_config(toy_config(temp_dir("val"), extra));
  EXPECT_THROW(runner->train(), Error);
  ASSERT_FALSE(g_guard().last_train_weights.empty());
  // The model holds the training weights of the last iteration, not the EMA average it was
  // validating with when the error came.
  const auto params = runner->model().parameters();
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_TRUE(torch::equal(params[i], g_guard().last_train_weights[i])) << "parameter " << i;
  EXPECT_TRUE(runner->model().is_training());
  // Hooks hear of the error once, where it happened; training and the run are still closed.
  EXPECT_EQ(g_guard().stages, (std::vector<std::string>{"on_exception: injected failure in validation (eval mode)",
                                                         "after_train", "after_run"}));
  EXPECT_NE(run_log(*runner).find("validation stopped: injected failure in validation"), std::string::npos);
}

TEST(RunGuard, AHookFailingWhileUnwindingDoesNotHideTheFirstError) {
  g_guard() = {};
  // The first error comes at iteration 2; after_train then throws too: the caller gets the first.
  const std::string extra = R"(
custom_hooks:
  - {type: FailAtHook, at: 2}
  - {type: FailAtHook, where: after_train, at: 99}
)";
  auto runner = Runner::from_config(toy_config(temp_dir("unwind"), extra));
  try {
    runner->train();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "injected failure at iteration 2");
  }
  // Both hooks saw on_exception, after_train and after_run.
  EXPECT_EQ(std::count(g_guard().stages.begin(), g_guard().stages.end(), "after_run"), 2);
  EXPECT_EQ(std::count(g_guard().stages.begin(), g_guard().stages.end(), "after_train"), 2);
}

}  // namespace
}  // namespace detseq::test
