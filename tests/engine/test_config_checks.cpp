// Nothing in a config is silently ignored: top-level typos, unread keys, visualizer backends,
// auto_scale_lr (mmengine's Runner.scale_lr), and num_classes against the training classes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/config/yaml_io.h"
#include "core/engine/auto_scale_lr.h"
#include "core/engine/config_keys.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/param_scheduler.h"
#include "core/engine/runner.h"
#include "tests/engine/toy.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;

namespace detseq::test {
namespace {

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("detseq_cfgcheck_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

TEST(ConfigChecks, TopLevelTypoIsAnErrorWithSuggestion) {
  for (const auto& [typo, known] : std::vector<std::pair<std::string, std::string>>{
           {"train_cgf", "train_cfg"}, {"trian_cfg", "train_cfg"}, {"default_hook", "default_hooks"}}) {
    const Config cfg = toy_config(temp_dir("typo"), typo + ": {max_epochs: 1}\n");
    const std::string msg = error_of([&] { Runner::from_config(cfg); });
    EXPECT_NE(msg.find("unknown top-level key '" + typo + "' — did you mean '" + known + "'?"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("<extra>:1"), std::string::npos) << msg;
  }
}

TEST(ConfigChecks, UnreadKeysAreReportedUnlessReferenced) {
  Config cfg = toy_config(temp_dir("unread"), "default_scope: mmdet\ntrain_pipeline: [{type: X}]\nlog_level: INFO\n");
  EXPECT_EQ(check_top_level_keys(cfg), (std::vector<std::string>{"default_scope", "train_pipeline", "log_level"}));
  cfg.referenced_keys = {"train_pipeline"};  // a ${train_pipeline} used it
  EXPECT_EQ(check_top_level_keys(cfg), (std::vector<std::string>{"default_scope", "log_level"}));
  // Through load_config: a helper read by ${} is not reported.
  const fs::path file = fs::path(temp_dir("ref") + ".yaml");
  {
    std::ofstream out(file);
    out << "helper: {batch_size: 2}\ntrain_dataloader: ${helper}\nrandomness: {seed: 1}\n";
  }
  const Config loaded = load_config(file.string());
  EXPECT_EQ(check_top_level_keys(loaded), std::vector<std::string>{"randomness"});
  fs::remove(file);
}

ConfigNode with_visualizer(const std::string& yaml) { return parse_yaml_string("visualizer: " + yaml, "vis.yaml"); }

TEST(ConfigChecks, VisualizerBackendsAreRegistryComponents) {
  EXPECT_EQ(error_of([] {
              check_visualizer(with_visualizer(
                  "{type: DetLocalVisualizer, vis_backends: [{type: LocalVisBackend}], name: visualizer}"));
            }),
            "<no error>");
  EXPECT_EQ(error_of([] {
              check_visualizer(
                  with_visualizer("{type: DetLocalVisualizer, vis_backends: [{type: LocalVisBackend}, "
                                  "{type: TensorboardVisBackend}]}"));
            }),
            "<no error>");
  const std::string wandb =
      error_of([] { check_visualizer(with_visualizer("{vis_backends: [{type: WandbVisBackend}]}")); });
  EXPECT_NE(wandb.find("visualizer.vis_backends.0.type (vis.yaml:1): unknown vis_backend type 'WandbVisBackend'"),
            std::string::npos)
      << wandb;
  const std::string option = error_of([] {
    check_visualizer(with_visualizer("{type: DetLocalVisualizer, vis_backends: [{type: LocalVisBackend, save_dir: x}]}"));
  });
  EXPECT_NE(option.find("unknown key 'save_dir'"), std::string::npos) << option;
  EXPECT_NE(error_of([] { check_visualizer(with_visualizer("{type: DetLocalVisualiser}")); })
                .find("did you mean 'DetLocalVisualizer'"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_visualizer(with_visualizer("{line_width: 3}")); }).find("unknown key 'line_width'"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_visualizer(with_visualizer("{vis_backends: [{type: LocalVisBakend}]}")); })
                .find("did you mean 'LocalVisBackend'"),
            std::string::npos);
}

TEST(ConfigChecks, AutoScaleLrScalesGroupsAndSchedulerBase) {
  // batch 2 on 1 process against base 8: lr x 0.25, before the schedulers read their base lr.
  auto runner = Runner::from_config(
      toy_config(temp_dir("scale"), "auto_scale_lr: {enable: true, base_batch_size: 8}\n"));
  OptimWrapper& optim = runner->optim_wrapper();
  EXPECT_DOUBLE_EQ(optim.initial_value(0), 0.01 * 0.25);
  runner->param_schedulers();  // LinearLR start_factor 0.1 applies to the scaled lr
  EXPECT_NEAR(optim.lrs().at(0), 0.01 * 0.25 * 0.1, 1e-12);

  auto off = Runner::from_config(toy_config(temp_dir("noscale"), "auto_scale_lr: {enable: false, base_batch_size: 8}\n"));
  EXPECT_DOUBLE_EQ(off->optim_wrapper().initial_value(0), 0.01);
}

TEST(ConfigChecks, AutoScaleLrFlagAndKeyErrors) {
  Config with_base = toy_config(temp_dir("flag"), "auto_scale_lr: {enable: false, base_batch_size: 16}\n");
  enable_auto_scale_lr(with_base);
  EXPECT_EQ(auto_scale_lr_ratio(with_base.root, 4, 2), 0.5);  // 4 processes x 2 / 16
  Config without = toy_config(temp_dir("flag2"));
  EXPECT_NE(error_of([&] { enable_auto_scale_lr(without); }).find("has no auto_scale_lr.base_batch_size"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_auto_scale_lr(parse_yaml_string("auto_scale_lr: {enabled: true}", "a.yaml")); })
                .find("did you mean 'enable'"),
            std::string::npos);
  EXPECT_NE(error_of([] { auto_scale_lr_ratio(parse_yaml_string("auto_scale_lr: {enable: true}", "a.yaml"), 1, 2); })
                .find("base_batch_size is missing"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_auto_scale_lr(parse_yaml_string("auto_scale_lr: {base_batch_size: 0}", "a.yaml")); })
                .find("must be > 0"),
            std::string::npos);
}

TEST(ConfigChecks, TooFewModelClassesFailAtTrainStart) {
  g_record() = {};
  auto runner = Runner::from_config(toy_config(
      temp_dir("classes"), "model: {num_classes: 2}\ntrain_dataloader: {dataset: {num_classes: 3}}\n"));
  const std::string msg = error_of([&] { runner->train(); });
  EXPECT_NE(msg.find("the data set has 3 classes but the model has room for 2"), std::string::npos) << msg;
  EXPECT_TRUE(g_record().losses.empty());  // before any iteration
  // Enough room: trains.
  auto fits = Runner::from_config(toy_config(
      temp_dir("classes_ok"), "model: {num_classes: 3}\ntrain_dataloader: {dataset: {num_classes: 3}}\n"
                              "train_cfg: {max_epochs: 1}\n"));
  EXPECT_EQ(error_of([&] { fits->train(); }), "<no error>");
}

}  // namespace
}  // namespace detseq::test
