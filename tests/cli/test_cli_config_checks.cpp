// print-config on shipped configs with --cfg-options: overrides through references, and every
// "nothing silently ignored" check (top-level typos, hooks, optimizer, visualizer, channels).
#include <gtest/gtest.h>

#include <string>

#include "tests/test_util.h"

namespace {

using Result = detseq::test::CommandResult;
Result run(const std::string& args) { return detseq::test::run_detseq(args); }

const std::string kDetr = "configs/detr/detr_r50_150e_coco.yaml";

Result print_config(const std::string& options) { return run("print-config " + kDetr + " --cfg-options " + options); }

void expect_error(const std::string& options, const std::string& text) {
  const Result r = print_config(options);
  EXPECT_EQ(r.code, 1) << options << "\n" << r.out;
  EXPECT_NE(r.out.find(text), std::string::npos) << options << "\n" << r.out;
}

// The config the docs/config.md examples are written for; every example validates on it.
TEST(CliConfig, DocumentedOverridesValidateAndShowTheirOrigin) {
  std::string options;
  for (const auto& o : detseq::test::documented_cfg_options()) options += " '" + o + "'";
  ASSERT_NE(options.find("test_dataloader.batch_size=1"), std::string::npos) << options;
  const Result r = run("print-config configs/recipes/detr_r18_coco128_cpu.yaml --provenance --cfg-options" + options);
  ASSERT_EQ(r.code, 0) << options << "\n" << r.out;
  EXPECT_NE(r.out.find("batch_size: 1  # <cfg-options test_dataloader.batch_size>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a copy of ${val_dataloader} made by --cfg-options test_dataloader.batch_size"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("classwise: true  # <cfg-options test_evaluator.classwise>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("short_side: 256  # <cfg-options train_dataloader.dataset.pipeline.2.short_side>"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("betas: [0.9, 0.95]  # <cfg-options optim_wrapper.optimizer.betas>"), std::string::npos)
      << r.out;
}

TEST(CliConfig, TopLevelTyposFailAndUnreadKeysWarn) {
  expect_error("train_cgf.max_epochs=1", "unknown top-level key 'train_cgf' — did you mean 'train_cfg'?");
  expect_error("trian_cfg.max_epochs=1", "did you mean 'train_cfg'?");
  const Result r = print_config("default_scope=mmdet");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("top-level keys that detseq does not read and no ${} refers to (ignored): default_scope"),
            std::string::npos)
      << r.out;
}

TEST(CliConfig, HookOptimizerAndSchedulerKeysAreValidated) {
  expect_error("default_hooks.checkpoint.max_keep_ckpt=1", "did you mean 'max_keep_ckpts'?");
  expect_error("'custom_hooks=[{type: EMAHok}]'", "did you mean 'EMAHook'?");
  expect_error("optim_wrapper.optimizer.lrr=1", "unknown key 'lrr'");
  expect_error("optim_wrapper.clip_grad.max_nrom=1", "did you mean 'max_norm'?");
  expect_error("param_scheduler.0.gama=0.1", "unknown key 'gama'");
}

TEST(CliConfig, VisualizerAndAutoScaleLrKeys) {
  EXPECT_EQ(print_config("'visualizer={type: DetLocalVisualizer, vis_backends: [{type: LocalVisBackend}]}'").code, 0);
  EXPECT_EQ(print_config("'visualizer.vis_backends=[{type: TensorboardVisBackend}]'").code, 0);
  expect_error("'visualizer.vis_backends=[{type: TensorboardVisBakend}]'", "did you mean 'TensorboardVisBackend'");
  EXPECT_EQ(print_config("auto_scale_lr.enable=false auto_scale_lr.base_batch_size=16").code, 0);
  expect_error("auto_scale_lr.base_batch=16", "did you mean 'base_batch_size'?");
  const Result r = run("train " + kDetr + " --auto-scale-lr");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("--auto-scale-lr: config " + kDetr + " has no auto_scale_lr.base_batch_size"), std::string::npos)
      << r.out;
}

TEST(CliConfig, ChannelMismatchNamesTheKeys) {
  expect_error("model.neck.in_channels=[1024]",
               "model.neck.in_channels (<cfg-options model.neck.in_channels>): [1024] does not match the [2048] "
               "channels that model.backbone returns");
  expect_error("model.backbone.depth=18", "[2048] does not match the [512] channels that model.backbone returns");
  expect_error("model.head.in_channels=512",
               "model.head.in_channels (<cfg-options model.head.in_channels>): 512 does not match the 256 channels "
               "that model.neck returns");
}

}  // namespace
