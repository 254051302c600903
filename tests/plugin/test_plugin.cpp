// Out-of-tree components: tests/plugin/example is configured with find_package(detseq) against this
// build tree (build/detseqConfig.cmake), built as a shared library, loaded through a config's
// custom_imports, and a DETR with its backbone trains and writes a checkpoint. A plugin that cannot
// be loaded is a one-line error naming the key and file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/test_util.h"

namespace fs = std::filesystem;

namespace {

using detseq::test::run_detseq;
using detseq::test::run_shell;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("detseq_plugin_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Plugin, OutOfTreeBackboneBuildsWithFindPackageAndTrains) {
  const fs::path dir = fresh_dir("train");
  const fs::path build = dir / "build";
  const std::string configure = "cmake -S " DETSEQ_SOURCE_DIR "/tests/plugin/example -B " + build.string() +
                                " -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=" DETSEQ_CXX_COMPILER
                                " -Ddetseq_DIR=" DETSEQ_BINARY_DIR " -DTorch_DIR=" DETSEQ_TORCH_DIR " 2>&1";
  const auto configured = run_shell(configure);
  ASSERT_EQ(configured.code, 0) << configure << "\n" << configured.out;
  const auto built = run_shell("cmake --build " + build.string() + " 2>&1");
  ASSERT_EQ(built.code, 0) << built.out;
  const fs::path library = build / "libtiny_stride_backbone.so";
  ASSERT_TRUE(fs::exists(library));

  // The plugin path is relative to the config file that names it.
  const fs::path config = dir / "detr_tiny_stride.yaml";
  std::ofstream(config) << "_base_: " DETSEQ_SOURCE_DIR "/configs/detr/detr_r18_tiny8_cpu.yaml\n"
                        << "custom_imports: {imports: [build/libtiny_stride_backbone.so]}\n"
                        << "model:\n  backbone: {_delete_: true, type: TinyStrideBackbone, channels: 24}\n"
                        << "  neck: {in_channels: [24]}\n";
  const fs::path work = dir / "work";
  const auto trained = run_detseq("train " + config.string() + " --work-dir " + work.string() +
                                  " --cfg-options data_root=" DETSEQ_TEST_DATA "/coco_tiny8/ train_cfg.max_epochs=1"
                                  " val_cfg=null default_hooks.checkpoint.interval=1 env_cfg.num_threads=2"
                                  " train_pipeline.3.short_sides=[96] train_pipeline.3.max_size=128");
  ASSERT_EQ(trained.code, 0) << trained.out;
  EXPECT_NE(trained.out.find("custom_imports: loaded " + fs::canonical(library).string()), std::string::npos)
      << trained.out;
  EXPECT_TRUE(fs::exists(work / "epoch_1.pth")) << trained.out;
  fs::remove_all(dir);
}

TEST(Plugin, AnImportThatCannotLoadIsAOneLineErrorUnlessAllowed) {
  const fs::path dir = fresh_dir("missing");
  const fs::path config = dir / "missing.yaml";
  std::ofstream(config) << "_base_: " DETSEQ_SOURCE_DIR "/configs/detr/detr_r18_tiny8_cpu.yaml\n"
                        << "custom_imports:\n  imports: [plugins/libnot_built.so]\n";
  const auto failed = run_detseq("print-config " + config.string());
  EXPECT_EQ(failed.code, 1) << failed.out;
  EXPECT_NE(failed.out.find("custom_imports.imports.0 (" + config.string() + ":3): cannot load plugin"),
            std::string::npos)
      << failed.out;
  std::ofstream(config, std::ios::app) << "  allow_failed_imports: true\n";
  const auto allowed = run_detseq("print-config " + config.string());
  EXPECT_EQ(allowed.code, 0) << allowed.out;
  EXPECT_NE(allowed.out.find("skipped: allow_failed_imports is true"), std::string::npos) << allowed.out;
  fs::remove_all(dir);
}

}  // namespace
