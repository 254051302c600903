// The detseq binary on shipped configs: print-config, registry, and one-line errors with exit 1.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "tests/test_util.h"

namespace {

using Result = detseq::test::CommandResult;
Result run(const std::string& args) { return detseq::test::run_detseq(args); }

int count_lines(const std::string& s) {
  int lines = 0;
  for (char c : s) lines += c == '\n';
  return lines;
}

// A config in a temp dir that inherits a shipped config and adds `body`.
std::string child_config(const std::string& name, const std::string& base, const std::string& body) {
  const auto dir = std::filesystem::temp_directory_path() / "detseq_cli_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << "_base_: " << DETSEQ_SOURCE_DIR << "/" << base << "\n" << body;
  return path.string();
}

const char* kDetr = "configs/detr/detr_r50_150e_coco.yaml";
const char* kPix2Seq = "configs/pix2seq/pix2seq_r50_1333_300e_coco.yaml";

TEST(Cli, PrintConfigOnShippedConfigs) {
  for (const char* config : {kDetr, kPix2Seq}) {
    const Result r = run(std::string("print-config ") + config);
    EXPECT_EQ(r.code, 0) << config << "\n" << r.out;
    EXPECT_NE(r.out.find("model:"), std::string::npos);
    EXPECT_NE(r.out.find("train_dataloader:"), std::string::npos);
    EXPECT_EQ(r.out.find("${"), std::string::npos) << "references must be resolved";
  }
}

TEST(Cli, PrintConfigProvenanceAndOverrides) {
  const Result r = run(std::string("print-config ") + kDetr + " --provenance --cfg-options model.backbone.depth=101");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("depth: 101  # <cfg-options model.backbone.depth>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("# configs/_base_/models/detr_r50.yaml:"), std::string::npos);
}

TEST(Cli, MisspeltTypeIsOneLineWithFileLineAndSuggestion) {
  const std::string cfg = child_config("bad_type.yaml", kDetr, "model:\n  backbone:\n    type: ResNett\n");
  const Result r = run("print-config " + cfg);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("bad_type.yaml:4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did you mean 'ResNet'?"), std::string::npos) << r.out;
}

TEST(Cli, MisspeltKeyIsOneLineWithFileLineAndSuggestion) {
  const std::string cfg = child_config("bad_key.yaml", kDetr, "model:\n  backbone:\n    dpeth: 101\n");
  const Result r = run("print-config " + cfg);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("unknown key 'dpeth' in model.backbone (ResNet) at " + cfg + ":4"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("did you mean 'depth'?"), std::string::npos) << r.out;
}

TEST(Cli, MisspeltTransformKeyInPipeline) {
  const Result r = run(std::string("print-config ") + kDetr + " --cfg-options 'train_pipeline.0.typo=1'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("unknown key 'typo'"), std::string::npos) << r.out;
}

TEST(Cli, MissingConfigFile) {
  const Result r = run("print-config configs/does_not_exist.yaml");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: configs/does_not_exist.yaml: cannot open config file (check the path)\n");
}

TEST(Cli, RegistryListAndDescribe) {
  Result r = run("registry list");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* name : {"ResNet", "ChannelMapper", "CocoDataset", "RandomFlip", "DataLoader", "CocoMetric"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  r = run("registry describe ResNet");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("depth"), std::string::npos);
  EXPECT_NE(r.out.find("frozen_stages"), std::string::npos);
  r = run("registry describe ResNett");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("did you mean 'ResNet'?"), std::string::npos) << r.out;
  r = run("registry list backbon");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("did you mean 'backbone'?"), std::string::npos) << r.out;
}

TEST(Cli, ExitCodesAndUnknownCommands) {
  // 0 ok, 1 user/data error, 2 usage error.
  Result r = run("trian configs/x.yaml");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("unknown command 'trian' — did you mean 'train'?"), std::string::npos) << r.out;
  r = run("print-config");  // missing positional
  EXPECT_EQ(r.code, 2) << r.out;
  r = run("print-config " + std::string(kDetr) + " --no-such-flag");
  EXPECT_EQ(r.code, 2) << r.out;
  r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("make-dataset"), std::string::npos) << r.out;
  r = run("print-config /nonexistent.yaml");
  EXPECT_EQ(r.code, 1) << r.out;
}

}  // namespace
