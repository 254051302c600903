// End-to-end smoke runs of the small CPU configs through the `detseq` binary, as a user runs them:
// train a few iterations on tests/data/coco_tiny8 -> the checkpoint exists and loads strictly into
// the model built from the config -> `detseq test --show-dir` writes one picture per image and a
// metrics JSON -> the logged training loss went down. Images are shrunk (160 px) and schedules cut
// (--cfg-options) so each run stays around a minute on a loaded 2-core machine.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "core/config/config.h"
#include "core/interfaces/model.h"
#include "core/io/state_dict.h"

namespace fs = std::filesystem;
using namespace detseq;

namespace {

using Result = detseq::test::CommandResult;
Result run(const std::string& args, int timeout_s = 600) { return detseq::test::run_detseq(args, timeout_s); }

std::string join_args(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += " " + x;
  return s;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("detseq_e2e_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Files called `name` anywhere below `root` (the runner puts logs in <work_dir>/<timestamp>/).
std::vector<fs::path> find_files(const fs::path& root, const std::string& name) {
  std::vector<fs::path> out;
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == name) out.push_back(e.path());
  return out;
}

// The total training loss of each logged iteration, in order.
std::vector<double> logged_losses(const fs::path& scalars) {
  std::vector<double> losses;
  std::ifstream f(scalars);
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    if (j.contains("loss") && j.contains("iter")) losses.push_back(j["loss"].get<double>());
  }
  return losses;
}

double mean(const std::vector<double>& v, size_t begin, size_t end) {
  double s = 0;
  for (size_t i = begin; i < end; ++i) s += v[i];
  return s / static_cast<double>(end - begin);
}

struct SmokeCase {
  std::string name;
  std::string config;
  int epochs;
  std::vector<std::string> overrides;  // shrink images and schedule
};

// Options common to every case: a fixed seed and thread count, a constant lr (no warm-up, so a
// few iterations are enough to see the loss fall), a log line per iteration, no validation during
// training (the test step below evaluates), one checkpoint at the end.
std::vector<std::string> common_overrides(int epochs) {
  return {"env_cfg.seed=0",
          "env_cfg.num_threads=2",
          "train_cfg.max_epochs=" + std::to_string(epochs),
          "val_cfg=null",
          "param_scheduler=[]",
          "default_hooks.logger.interval=1",
          "default_hooks.checkpoint.interval=" + std::to_string(epochs),
          "train_dataloader.num_workers=2"};
}

const std::vector<SmokeCase>& cases() {
  static const std::vector<SmokeCase> all = {
      {"pix2seq",
       "configs/pix2seq/pix2seq_r18_320_tiny8_cpu.yaml",
       6,
       {"train_pipeline.3.output_size=160", "train_pipeline.5.size=[160,160]", "test_pipeline.1.output_size=160",
        "test_pipeline.4.size=[160,160]", "optim_wrapper.optimizer.lr=0.001"}},
      {"detr",
       "configs/detr/detr_r18_tiny8_cpu.yaml",
       8,
       {"train_pipeline.3.short_sides=[128]", "train_pipeline.3.max_size=160", "test_pipeline.1.short_side=128",
        "test_pipeline.1.max_size=160", "optim_wrapper.optimizer.lr=0.0005", "optim_wrapper.clip_grad.max_norm=1.0"}},
      // The worked example of docs/adding_a_component.md (PlainConvNet backbone) must keep working.
      {"plainconv",
       "configs/recipes/pix2seq_plainconv_tiny8_cpu.yaml",
       8,
       {"train_pipeline.3.output_size=160", "train_pipeline.5.size=[160,160]", "test_pipeline.1.output_size=160",
        "test_pipeline.4.size=[160,160]", "optim_wrapper.optimizer.lr=0.001"}},
  };
  return all;
}

class Smoke : public ::testing::TestWithParam<SmokeCase> {};

TEST_P(Smoke, TrainCheckpointTestShowDirLossDecreases) {
  const SmokeCase& c = GetParam();
  const fs::path dir = fresh_dir(c.name);
  const fs::path work = dir / "work";
  std::vector<std::string> overrides = common_overrides(c.epochs);
  overrides.insert(overrides.end(), c.overrides.begin(), c.overrides.end());
  const std::string cfg_options = " --cfg-options" + join_args(overrides);

  // 1. train
  const Result train = run("train " + c.config + " --work-dir " + work.string() + cfg_options);
  ASSERT_EQ(train.code, 0) << train.out;

  // 2. the checkpoint exists, `last_checkpoint` names it, and it loads strictly into the model
  const fs::path ckpt = work / ("epoch_" + std::to_string(c.epochs) + ".pth");
  ASSERT_TRUE(fs::exists(ckpt)) << "no " << ckpt << "\n" << train.out;
  std::ifstream last(work / "last_checkpoint");
  std::string last_path;
  std::getline(last, last_path);
  EXPECT_EQ(fs::path(last_path).filename(), ckpt.filename());
  {
    const Config config =
        load_config(std::string(DETSEQ_SOURCE_DIR) + "/" + c.config, {"data_root=" DETSEQ_TEST_DATA "/coco_tiny8/"});
    auto model = build<Detector>(*config.find("model"), "model");
    io::LoadOptions load;
    load.key = "state_dict";
    load.strict = true;
    const io::LoadReport report = io::load_checkpoint_into(*model, ckpt.string(), load);
    EXPECT_TRUE(report.clean()) << report.summary();
    EXPECT_GT(report.loaded, 10u);
  }

  // 3. test with --show-dir: one drawn image per test image, a metrics JSON with COCO scores
  const fs::path show = dir / "show";
  const fs::path test_work = dir / "test";
  const Result test = run("test " + c.config + " " + ckpt.string() + " --work-dir " + test_work.string() +
                          " --show-dir " + show.string() + " --threads 2" + cfg_options);
  ASSERT_EQ(test.code, 0) << test.out;
  size_t images = 0;
  for (const auto& e : fs::recursive_directory_iterator(show)) {
    if (!e.is_regular_file()) continue;
    ++images;
    EXPECT_GT(fs::file_size(e.path()), 1000u) << e.path();
  }
  EXPECT_EQ(images, 8u) << "coco_tiny8 has 8 images (one without boxes): one picture each";
  const auto metrics_files = find_files(test_work, "metrics.json");
  ASSERT_EQ(metrics_files.size(), 1u) << test.out;
  const auto metrics = nlohmann::json::parse(std::ifstream(metrics_files[0]));
  ASSERT_TRUE(metrics.contains("coco/bbox_mAP")) << metrics.dump();
  const double ap = metrics["coco/bbox_mAP"].get<double>();
  EXPECT_GE(ap, 0.0);
  EXPECT_LE(ap, 1.0);

  // 3b. test-time augmentation: the config has no tta_model / tta_pipeline, so mmdet's defaults
  // (horizontal-flip views before Normalize, merged by NMS) apply, and say so
  const fs::path tta_work = dir / "tta";
  const fs::path tta_out = dir / "tta.json";
  const Result tta = run("test " + c.config + " " + ckpt.string() + " --work-dir " + tta_work.string() + " --tta --out " +
                         tta_out.string() + " --threads 2" + cfg_options);
  ASSERT_EQ(tta.code, 0) << tta.out;
  EXPECT_NE(tta.out.find("has no tta_pipeline"), std::string::npos) << tta.out;
  ASSERT_EQ(find_files(tta_work, "metrics.json").size(), 1u) << tta.out;
  const auto tta_dets = nlohmann::json::parse(std::ifstream(tta_out));
  ASSERT_TRUE(tta_dets.is_array());
  for (const auto& d : tta_dets) EXPECT_GE(d["score"].get<double>(), 0.0);

  // 4. the loss went down (by >= 5 %): the last quarter of the logged iterations against the first
  const auto logs = find_files(work, "scalars.json");
  ASSERT_EQ(logs.size(), 1u);
  const std::vector<double> losses = logged_losses(logs[0]);
  ASSERT_GE(losses.size(), 8u) << "expected a log line per iteration";
  const size_t q = losses.size() / 4;
  const double first = mean(losses, 0, q), final = mean(losses, losses.size() - q, losses.size());
  EXPECT_LT(final, 0.95 * first) << c.name << ": loss " << first << " -> " << final;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(SmallConfigs, Smoke, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<SmokeCase>& info) { return info.param.name; });

}  // namespace
