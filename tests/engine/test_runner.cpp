#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/config/yaml_io.h"
#include "core/engine/runner.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "tests/engine/toy.h"

namespace fs = std::filesystem;

namespace detseq::test {
namespace {

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("detseq_engine_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<torch::Tensor> params_of(Runner& r) {
  std::vector<torch::Tensor> out;
  for (const auto& p : r.model().parameters()) out.push_back(p.detach().clone());
  return out;
}

TEST(Runner, TrainsLogsCheckpointsAndValidates) {
  const std::string wd = temp_dir("train");
  auto runner = Runner::from_config(toy_config(wd));
  g_record() = {};
  runner->train();
  EXPECT_EQ(runner->epoch(), 3);
  EXPECT_EQ(runner->iter(), 12);
  EXPECT_EQ(g_record().losses.size(), 12u);
  EXPECT_LT(g_record().losses.back(), g_record().losses.front());
  for (const auto* f : {"epoch_1.pth", "epoch_2.pth", "epoch_3.pth", "last_checkpoint", "toy.yaml"})
    EXPECT_TRUE(fs::exists(fs::path(wd) / f)) << f;
  EXPECT_EQ(lines_of(fs::path(wd) / "last_checkpoint").at(0), (fs::path(wd) / "epoch_3.pth").string());
  // The validation loop ran after each epoch with batches of 3 (3 + 3 + 2).
  EXPECT_EQ(g_record().val_batches, (std::vector<int64_t>{3, 3, 2, 3, 3, 2, 3, 3, 2}));
  EXPECT_TRUE(runner->message_hub().has_scalar("val/toy/mae"));
  EXPECT_EQ(runner->message_hub().latest("val/toy/count"), 8.0);

  const auto json = lines_of(fs::path(runner->log_dir()) / "vis_data" / "scalars.json");
  ASSERT_EQ(json.size(), 6u + 3u);  // every 2 iterations + one metrics line per validation
  for (const auto* key : {"\"loss\"", "\"loss_bbox\"", "\"loss_l1\"", "\"acc\"", "\"lr\"", "\"grad_norm\"", "\"time\"",
                          "\"data_time\"", "\"eta\"", "\"memory\"", "\"step\": 2"})
    EXPECT_NE(json[0].find(key), std::string::npos) << key << " in " << json[0];
  EXPECT_NE(json[2].find("\"toy/mae\""), std::string::npos) << json[2];
  EXPECT_TRUE(fs::exists(fs::path(runner->log_dir()) / (runner->timestamp() + ".log")));
  // mmengine's LocalVisBackend writes the same lines to vis_data/<timestamp>.json (analyze_logs.py).
  EXPECT_EQ(lines_of(fs::path(runner->log_dir()) / "vis_data" / (runner->timestamp() + ".json")), json);
}

// The central promise: interrupt, resume with --resume auto, and get bit-identical losses and
// weights (optimizer moments, scheduler state, EMA, dropout RNG, data order mid-epoch).
TEST(Runner, ResumeIsExact) {
  const std::string extra = R"(
default_hooks:
  checkpoint: {type: CheckpointHook, by_epoch: false, interval: 3}
custom_hooks:
  - {type: RecorderHook}
  - {type: EMAHook, momentum: 0.1}
)";
  const std::string full_dir = temp_dir("full"), part_dir = temp_dir("part");
  g_record() = {};
  auto full = Runner::from_config(toy_config(full_dir, extra));
  full->train();
  const auto full_losses = g_record().losses;
  const auto full_params = params_of(*full);
  ASSERT_EQ(full_losses.size(), 12u);

  g_record() = {};
  {
    auto stop = toy_config(part_dir, extra);
    stop.root["custom_hooks"].push_back(parse_yaml_string("{type: StopAtHook, at: 6}", "<t>"));
    Runner::from_config(stop)->train();  // stops after iteration 6 = mid epoch 2 (4 per epoch)
  }
  ASSERT_EQ(g_record().losses.size(), 6u);
  RunnerLaunch launch;
  launch.resume = "auto";
  auto resumed = Runner::from_config(toy_config(part_dir, extra), launch);
  resumed->train();
  ASSERT_EQ(g_record().losses.size(), 12u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(g_record().losses[i], full_losses[i]) << "iteration " << i + 1;
  const auto resumed_params = params_of(*resumed);
  for (size_t i = 0; i < full_params.size(); ++i) EXPECT_TRUE(torch::equal(full_params[i], resumed_params[i])) << i;
  EXPECT_EQ(resumed->iter(), 12);
  // Validation used the EMA weights in both runs.
  EXPECT_EQ(full->message_hub().latest("val/toy/mae"), resumed->message_hub().latest("val/toy/mae"));
}

// Records the runner's counters (read from the train loop) when training starts.
struct CountersAtStart : Hook {
  std::vector<int64_t> seen;
  void before_train(Runner& r) override { seen = {r.epoch(), r.iter(), r.train_batch(), r.max_iters()}; }
};

// The train loop owns the counters: resume restores them there (epoch, iteration, batch of the
// epoch), and a runner without train_cfg reports zeros and refuses to train.
TEST(Runner, ResumeRestoresTheTrainLoopsCounters) {
  const std::string wd = temp_dir("counters");
  const std::string extra =
      "train_cfg: {max_epochs: 2}\n"
      "default_hooks: {checkpoint: {type: CheckpointHook, by_epoch: false, interval: 3}}";
  {
    auto stop = toy_config(wd, extra);
    stop.root["custom_hooks"] = parse_yaml_string("[{type: StopAtHook, at: 6}]", "<t>");
    Runner::from_config(stop)->train();  // iter_6.pth: epoch 1 (0-based), 2 of its 4 batches done
  }
  RunnerLaunch launch;
  launch.resume = wd + "/iter_6.pth";
  auto resumed = Runner::from_config(toy_config(wd, extra), launch);
  auto counters = std::make_shared<CountersAtStart>();
  resumed->register_hook(counters);
  EXPECT_EQ(resumed->iter(), 0);
  resumed->train();
  EXPECT_EQ(counters->seen, (std::vector<int64_t>{1, 6, 2, 8}));
  EXPECT_EQ(resumed->epoch(), 2);
  EXPECT_EQ(resumed->iter(), 8);
  EXPECT_EQ(resumed->train_batch(), 0);

  auto test_only = Runner::from_config(toy_config(temp_dir("counters_test"), "train_cfg: null"));
  EXPECT_EQ(test_only->epoch(), 0);
  EXPECT_EQ(test_only->iter(), 0);
  EXPECT_EQ(test_only->max_iters(), 0);
  EXPECT_THROW(test_only->train(), ConfigError);
}

// `--resume auto` in a fresh work dir with weights-only load_from starts from those weights (as
// load_from alone does), and a work dir that was moved still finds its last checkpoint.
TEST(Runner, ResumeAutoUsesWeightsOnlyLoadFromAndSurvivesAMovedWorkDir) {
  const std::string first = temp_dir("weights_src");
  Runner::from_config(toy_config(first, "train_cfg: {max_epochs: 1}"))->train();
  EXPECT_EQ(lines_of(fs::path(first) / "last_checkpoint").at(0), fs::absolute(first + "/epoch_1.pth").string());
  const std::string weights = first + "/weights_only.pth";
  io::write_checkpoint(weights,
                       io::Value::dict().set("state_dict", io::read_checkpoint(first + "/epoch_1.pth").at("state_dict")));

  const std::string extra = "train_cfg: {max_epochs: 1}\ncustom_hooks: [{type: RecorderHook}]\nload_from: " + weights;
  g_record() = {};
  Runner::from_config(toy_config(temp_dir("plain_load"), extra))->train();
  const auto plain = g_record().losses;
  g_record() = {};
  RunnerLaunch launch;
  launch.resume = "auto";
  Runner::from_config(toy_config(temp_dir("auto_load"), extra), launch)->train();
  ASSERT_EQ(plain.size(), 4u);
  EXPECT_EQ(g_record().losses, plain) << "resume auto + weights-only load_from must train from those weights";

  // Move the first work dir: last_checkpoint's absolute path is gone, the file name still resolves.
  const std::string moved = temp_dir("moved");
  fs::rename(first, moved);
  auto resumed = Runner::from_config(toy_config(moved, "train_cfg: {max_epochs: 2}"), launch);
  resumed->train();
  EXPECT_EQ(resumed->iter(), 8);
  EXPECT_EQ(resumed->epoch(), 2);
  // A last_checkpoint naming a file that exists nowhere is an error naming both places.
  std::ofstream(fs::path(moved) / "last_checkpoint") << "/nowhere/epoch_9.pth\n";
  try {
    Runner::from_config(toy_config(moved, "train_cfg: {max_epochs: 3}"), launch)->train();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("names /nowhere/epoch_9.pth, which does not exist"), std::string::npos)
        << e.what();
  }
}

TEST(Runner, CheckpointIsReadableByPythonTorchLoad) {
  const std::string wd = temp_dir("python");
  auto runner = Runner::from_config(toy_config(wd, "train_cfg: {max_epochs: 1}"));
  runner->train();
  const std::string script = wd + "/check.py";
  std::ofstream(script) << "import sys, torch\n"
                           "c = torch.load(sys.argv[1])\n"
                           "assert c['meta']['epoch'] == 1 and c['meta']['iter'] == 4, c['meta']\n"
                           "assert 'model:' in c['meta']['cfg']\n"
                           "assert c['meta']['dataset_meta']['classes'] == ['thing']\n"
                           "assert c['state_dict']['head.weight'].shape == (4, 8)\n"
                           "st = c['optimizer']['state'][0]\n"
                           "assert st['exp_avg'].shape == c['state_dict']['fc.weight'].shape\n"
                           "assert len(c['param_schedulers']) == 2\n"
                           "assert c['rng']['torch_cpu'].dtype == torch.uint8\n"
                           "assert torch.equal(c['rng']['ranks'][0]['torch_cpu'], c['rng']['torch_cpu'])\n"
                           "print('ok')\n";
  const std::string cmd = "/usr/bin/python3 " + script + " " + wd + "/epoch_1.pth > " + wd + "/py.out 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << lines_of(wd + "/py.out").back();
}

TEST(Runner, TestWithCheckpointExposesPredictions) {
  const std::string wd = temp_dir("test");
  Runner::from_config(toy_config(wd, "train_cfg: {max_epochs: 1}"))->train();
  g_record() = {};
  auto runner = Runner::from_config(toy_config(wd + "/eval"));
  runner->load_checkpoint(wd + "/epoch_1.pth");
  const auto metrics = runner->test();
  EXPECT_EQ(metrics.at("toy/count"), 8.0);
  EXPECT_EQ(runner->test_outputs().size(), 8u);
  EXPECT_EQ(g_record().test_images, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // Same weights give the same score as the trained runner's last validation would.
  auto again = Runner::from_config(toy_config(wd + "/eval2", "load_from: " + wd + "/epoch_1.pth"));
  EXPECT_EQ(again->test().at("toy/mae"), metrics.at("toy/mae"));
}

TEST(Runner, IterBasedLoopWithBestAndKeep) {
  const std::string wd = temp_dir("iter");
  auto runner = Runner::from_config(toy_config(wd, R"(
train_cfg: {_delete_: true, type: IterBasedTrainLoop, by_epoch: false, max_iters: 10, val_interval: 5}
param_scheduler: {type: LinearLR, start_factor: 0.5, by_epoch: false, begin: 0, end: 4}
default_hooks:
  checkpoint: {type: CheckpointHook, by_epoch: false, interval: 2, max_keep_ckpts: 2, save_best: toy/mae}
)"));
  runner->train();
  EXPECT_EQ(runner->iter(), 10);
  EXPECT_FALSE(fs::exists(fs::path(wd) / "iter_6.pth"));  // max_keep_ckpts removed it
  EXPECT_TRUE(fs::exists(fs::path(wd) / "iter_8.pth"));
  EXPECT_TRUE(fs::exists(fs::path(wd) / "iter_10.pth"));
  int best = 0;
  for (const auto& e : fs::directory_iterator(wd)) best += e.path().filename().string().rfind("best_toy_mae_iter_", 0) == 0;
  EXPECT_EQ(best, 1);
}

TEST(Runner, InvalidLossStopsNamingIterationAndTerms) {
  const std::string wd = temp_dir("nan");
  auto runner = Runner::from_config(toy_config(wd, R"(
model: {nan_at_iter: 3}
custom_hooks: [{type: CheckInvalidLossHook, interval: 1}]
)"));
  try {
    runner->train();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("iteration 3"), std::string::npos) << m;
    EXPECT_NE(m.find("loss_bbox="), std::string::npos) << m;
    EXPECT_NE(m.find("nan"), std::string::npos) << m;
  }
}

TEST(Runner, EarlyStoppingStopsTraining) {
  const std::string wd = temp_dir("early");
  auto runner = Runner::from_config(toy_config(wd, R"(
train_cfg: {max_epochs: 10}
custom_hooks: [{type: EarlyStoppingHook, monitor: toy/mae, min_delta: 100.0, patience: 2}]
)"));
  runner->train();
  EXPECT_EQ(runner->epoch(), 3);  // first validation sets the best, two more without improvement
  EXPECT_TRUE(runner->stop_requested());
}

TEST(Runner, HookTableAndPriorities) {
  auto runner = Runner::from_config(toy_config(temp_dir("hooks"), R"(
default_hooks: {sampler_seed: null}
custom_hooks: [{type: RecorderHook, priority: HIGHEST}, {type: EMAHook}]
)"));
  std::vector<std::string> names;
  for (const auto& h : runner->hooks()) names.push_back(h->type_name());
  EXPECT_EQ(names, (std::vector<std::string>{"RecorderHook", "EMAHook", "IterTimerHook", "CheckInvalidLossHook",
                                             "LoggerHook", "ParamSchedulerHook", "CheckpointHook"}));
  EXPECT_NE(runner->hook_table().find("VERY_LOW (90)   CheckpointHook"), std::string::npos) << runner->hook_table();
}

TEST(Runner, ConfigErrorsAreOneLine) {
  auto message = [](const std::string& extra) {
    try {
      Runner::from_config(toy_config(temp_dir("err"), extra))->train();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("train_cfg: {type: EpochBasedTrainLop}").find("did you mean 'EpochBasedTrainLoop'"),
            std::string::npos);
  EXPECT_NE(message("custom_hooks: [{type: EMAHook, priority: SOMETIMES}]").find("priority"), std::string::npos);
  EXPECT_NE(message("custom_hooks: [{type: EMAHok}]").find("EMAHook"), std::string::npos);
}

TEST(Runner, AmpRunsInBfloat16) {
  RunnerLaunch launch;
  launch.amp = true;
  auto runner = Runner::from_config(toy_config(temp_dir("amp"), "{train_cfg: {max_epochs: 1}, model: {layer_norm: false}}"),
                                    launch);
  g_record() = {};
  runner->train();
  ASSERT_EQ(g_record().losses.size(), 4u);
  EXPECT_TRUE(std::isfinite(g_record().losses.back()));
  EXPECT_TRUE(runner->amp());
  // LibTorch 1.13's CPU autocast cannot run LayerNorm on bf16 input: a clear error, not a crash.
  auto with_norm = Runner::from_config(toy_config(temp_dir("amp_norm"), "train_cfg: {max_epochs: 1}"), launch);
  try {
    with_norm->train();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--amp: ", 0), 0u) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace detseq::test
