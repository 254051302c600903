// Training under faults: stop signals (exact resume), a second training in the same work dir,
// NaN / Inf options and divergence, corrupt resume meta, leftovers of a killed save.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/config/yaml_io.h"
#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/engine/stop_signals.h"
#include "core/engine/work_dir_lock.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "tests/engine/toy.h"

namespace fs = std::filesystem;

namespace detseq::test {
namespace {

// Sends this process `signal` after iteration `at`, as a user's Ctrl-C or a cluster would.
struct RaiseSignalHookOptions {
  int64_t at = 1;
  int signal = SIGINT;
  template <class V>
  void visit(V& v) {
    v("at", at);
    v("signal", signal);
  }
};
class RaiseSignalHook : public Hook {
 public:
  explicit RaiseSignalHook(const RaiseSignalHookOptions& o) : o_(o) {}
  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict&) override {
    if (r.iter() == o_.at) ::raise(o_.signal);
  }

 private:
  RaiseSignalHookOptions o_;
};
DETSEQ_REGISTER(Hook, RaiseSignalHook, RaiseSignalHookOptions);

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("detseq_faults_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string l;
  std::getline(in, l);
  return l;
}

std::vector<torch::Tensor> params_of(Runner& r) {
  std::vector<torch::Tensor> out;
  for (const auto& p : r.model().parameters()) out.push_back(p.detach().clone());
  return out;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Interrupted by SIGINT mid-epoch, resumed with `resume: auto`: the same losses and weights as
// the uninterrupted run (checkpoint at the signal, exit code 130, message naming the file).
TEST(RunFaults, SigintSavesAResumableCheckpointAndResumeIsExact) {
  const std::string extra = "custom_hooks: [{type: RecorderHook}, {type: EMAHook, momentum: 0.1}]\n";
  g_record() = {};
  auto full = Runner::from_config(toy_config(temp_dir("sig_full"), extra));
  full->train();
  const auto full_losses = g_record().losses;
  const auto full_params = params_of(*full);

  const std::string wd = temp_dir("sig_part");
  g_record() = {};
  auto cfg = toy_config(wd, extra);
  cfg.root["custom_hooks"].push_back(parse_yaml_string("{type: RaiseSignalHook, at: 6}", "<t>"));
  try {
    Runner::from_config(cfg)->train();
    FAIL() << "expected TrainingInterrupted";
  } catch (const TrainingInterrupted& e) {
    EXPECT_EQ(e.exit_code(), 130);
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find("SIGINT"), std::string::npos) << m;
    EXPECT_NE(m.find(wd + "/iter_6.pth"), std::string::npos) << m;
  }
  EXPECT_EQ(g_record().losses.size(), 6u);  // the current iteration finished, no further one
  EXPECT_EQ(first_line(fs::path(wd) / "last_checkpoint"), wd + "/iter_6.pth");
  EXPECT_EQ(pending_stop_signal(), 0);  // the guard is gone: default handlers again

  RunnerLaunch launch;
  launch.resume = "auto";
  auto resumed = Runner::from_config(toy_config(wd, extra), launch);
  resumed->train();
  ASSERT_EQ(g_record().losses.size(), full_losses.size());
  for (size_t i = 0; i < full_losses.size(); ++i) EXPECT_EQ(g_record().losses[i], full_losses[i]) << "iteration " << i + 1;
  const auto resumed_params = params_of(*resumed);
  for (size_t i = 0; i < full_params.size(); ++i) EXPECT_TRUE(torch::equal(full_params[i], resumed_params[i])) << i;
}

// SIGTERM at an epoch's last iteration: the epoch completes, exit code 143.
TEST(RunFaults, SigtermAtEpochEndExits143) {
  const std::string wd = temp_dir("sigterm");
  auto cfg = toy_config(wd, "train_cfg: {max_epochs: 2}\ncustom_hooks: [{type: RaiseSignalHook, at: 4, signal: 15}]\n");
  try {
    Runner::from_config(cfg)->train();
    FAIL() << "expected TrainingInterrupted";
  } catch (const TrainingInterrupted& e) {
    EXPECT_EQ(e.exit_code(), 143);
    EXPECT_NE(std::string(e.what()).find("SIGTERM"), std::string::npos) << e.what();
  }
  const io::Value meta = io::read_checkpoint(wd + "/iter_4.pth").at("meta");
  EXPECT_EQ(meta.at("epoch").as_int(), 1);
  EXPECT_EQ(meta.at("sampler").at("batch").as_int(), 0);
  EXPECT_TRUE(fs::exists(fs::path(wd) / "epoch_1.pth"));
}

TEST(RunFaultsDeathTest, SecondSignalExitsAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        StopSignalGuard guard;
        ::raise(SIGINT);
        ::raise(SIGINT);
        std::exit(0);
      },
      ::testing::ExitedWithCode(130), "second stop signal: exiting at once");
}

TEST(RunFaults, SecondTrainingInTheSameWorkDirIsRefused) {
  const std::string wd = temp_dir("lock");
  std::optional<WorkDirLock> held(wd);  // another training, as far as the kernel is concerned
  EXPECT_EQ(WorkDirLock::holder(wd), std::optional<long>(::getpid()));
  const std::string m = error_of([&] { Runner::from_config(toy_config(wd))->train(); });
  EXPECT_NE(m.find("work dir " + wd + " is in use by another training (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << m;
  EXPECT_FALSE(fs::exists(fs::path(wd) / "toy.yaml"));  // the running training's files are untouched
  EXPECT_FALSE(fs::exists(fs::path(wd) / "epoch_1.pth"));
  if (std::system("command -v flock >/dev/null 2>&1") == 0) {  // another process sees it too
    const std::string probe = "flock -n " + wd + "/.train.lock true";
    EXPECT_NE(std::system(probe.c_str()), 0);
    held.reset();
    EXPECT_EQ(std::system(probe.c_str()), 0);
  }
  held.reset();
  EXPECT_EQ(WorkDirLock::holder(wd), std::nullopt);
  Runner::from_config(toy_config(wd, "train_cfg: {max_epochs: 1}"))->train();  // free again
  EXPECT_TRUE(fs::exists(fs::path(wd) / "epoch_1.pth"));
}

TEST(RunFaults, LeftoverTempFilesOfAKilledSaveAreRemovedAtStart) {
  const std::string wd = temp_dir("leftover");
  fs::create_directories(wd);
  const fs::path stale = fs::path(wd) / ".epoch_1.pth.tmp.99999999.0";  // no such pid
  std::ofstream(stale) << "partial";
  Runner::from_config(toy_config(wd, "train_cfg: {max_epochs: 1}"))->train();
  EXPECT_FALSE(fs::exists(stale));
}

TEST(RunFaults, NanAndInfOptionsAreRejected) {
  const std::string nan_lr = error_of([] {
    Runner::from_config(toy_config(temp_dir("nanlr"), "optim_wrapper: {optimizer: {lr: .nan}}"))->train();
  });
  EXPECT_NE(nan_lr.find("optim_wrapper.optimizer.lr"), std::string::npos) << nan_lr;
  EXPECT_NE(nan_lr.find("expected a finite float, got '.nan'"), std::string::npos) << nan_lr;
  const std::string inf = error_of([] {
    Runner::from_config(toy_config(temp_dir("inf"), "optim_wrapper: {clip_grad: {max_norm: 1e999}}"))->train();
  });
  EXPECT_NE(inf.find("expected a finite float, got '1e999'"), std::string::npos) << inf;
}

// lr 1e10: the default CheckInvalidLossHook stops the run with an error; no NaN checkpoint.
TEST(RunFaults, DivergingRunStopsWithAnErrorAndSavesNoNanCheckpoint) {
  const std::string wd = temp_dir("diverge");
  const std::string m = error_of([&] {
    Runner::from_config(toy_config(wd, "optim_wrapper: {optimizer: {lr: 1.0e10}, clip_grad: null}"))->train();
  });
  EXPECT_NE(m.find("loss became infinite or NaN at iteration"), std::string::npos) << m;
  for (const auto& e : fs::directory_iterator(wd)) {
    if (e.path().extension() != ".pth") continue;
    for (const auto& [k, v] : io::read_checkpoint(e.path().string()).at("state_dict").items())
      EXPECT_TRUE(torch::isfinite(v.as_tensor()).all().item<bool>()) << e.path() << " " << k.as_string();
  }
}

// With the loss check opted out, NaN weights are still never saved, so last_checkpoint keeps
// naming the last good checkpoint.
TEST(RunFaults, NanWeightsAreNeverSavedEvenWithoutTheLossCheck) {
  const std::string wd = temp_dir("nanweights");
  const std::string m = error_of([&] {
    Runner::from_config(toy_config(wd, "model: {nan_at_iter: 6}\ndefault_hooks: {check_invalid_loss: null}"))->train();
  });
  EXPECT_NE(m.find(wd + "/epoch_2.pth: not saved: model weight"), std::string::npos) << m;
  EXPECT_NE(m.find("NaN or Inf"), std::string::npos) << m;
  EXPECT_FALSE(fs::exists(fs::path(wd) / "epoch_2.pth"));
  EXPECT_EQ(first_line(fs::path(wd) / "last_checkpoint"), wd + "/epoch_1.pth");
}

// A checkpoint whose meta was corrupted or edited is refused before anything loads.
TEST(RunFaults, ResumeValidatesMeta) {
  const std::string wd = temp_dir("meta");
  Runner::from_config(toy_config(wd, "train_cfg: {max_epochs: 1}"))->train();
  auto resume_with = [&](const std::string& key, io::Value value) {
    io::Value ckpt = io::read_checkpoint(wd + "/epoch_1.pth");  // afresh: io::Value copies share
    io::Value meta = ckpt.at("meta");
    meta.set(key, std::move(value));
    ckpt.set("meta", meta);
    const std::string path = wd + "/edited.pth";
    io::write_checkpoint(path, ckpt);
    RunnerLaunch launch;
    launch.resume = path;
    return error_of([&] { Runner::from_config(toy_config(wd + "/again"), launch)->train(); });
  };
  const std::string epoch = resume_with("epoch", -5);
  EXPECT_NE(epoch.find("edited.pth: meta.epoch is -5, expected an integer >= 0"), std::string::npos) << epoch;
  EXPECT_NE(resume_with("iter", "four").find("meta.iter is"), std::string::npos);
  EXPECT_NE(resume_with("epoch", 9).find("meta.epoch 9 > meta.iter 4"), std::string::npos);
  const std::string beyond = resume_with("iter", 400);
  EXPECT_NE(beyond.find("iteration 400, beyond the 12 iterations"), std::string::npos) << beyond;
  const std::string cfg = resume_with("cfg", "model: {type: OtherDetector}\n");
  EXPECT_NE(cfg.find("trained with model.type OtherDetector, the config has ToyDetector"), std::string::npos) << cfg;
  EXPECT_NE(resume_with("cfg", "model: [unclosed\n").find("meta.cfg is not a valid config"), std::string::npos);
  EXPECT_EQ(resume_with("epoch", 1), "");  // the untouched values resume fine
}

}  // namespace
}  // namespace detseq::test
