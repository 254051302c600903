// `detseq infer` over a folder holding one corrupt image: the bad file is named and skipped, the
// others' predictions are written, and the exit code says that something failed.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/config/config.h"
#include "core/interfaces/model.h"
#include "core/io/checkpoint.h"
#include "core/io/state_dict.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace detseq;

namespace {

TEST(InferFaults, CorruptImageInAFolderIsReportedAndSkipped) {
  const fs::path dir = fs::temp_directory_path() / ("detseq_infer_faults_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const fs::path images = dir / "images";
  fs::create_directories(images);
  const fs::path source = fs::path(DETSEQ_TEST_DATA) / "coco_tiny8" / "images";
  std::vector<fs::path> good;
  for (const auto& e : fs::directory_iterator(source)) good.push_back(e.path());
  std::sort(good.begin(), good.end());
  ASSERT_GE(good.size(), 2u);
  fs::copy_file(good[0], images / "a.jpg");
  fs::copy_file(good[1], images / "c.jpg");
  std::ofstream(images / "b.jpg") << "not a JPEG at all";  // sorts between the good ones

  // A random-init checkpoint of the small DETR is enough: this is about the files, not the boxes.
  const std::string config_path = std::string(DETSEQ_SOURCE_DIR) + "/configs/detr/detr_r18_tiny8_cpu.yaml";
  const std::vector<std::string> overrides = {"test_pipeline.1.short_side=64", "test_pipeline.1.max_size=96"};
  const Config config = load_config(config_path, overrides);
  auto model = build<Detector>(*config.find("model"), "model");
  const std::string ckpt = (dir / "random.pth").string();
  io::write_checkpoint(ckpt, io::Value::dict().set("state_dict", io::state_dict_to_value(io::module_state_dict(*model))));

  const fs::path out = dir / "out";
  const auto r = test::run_detseq("infer " + config_path + " " + ckpt + " " + images.string() + " --out-dir " +
                                      out.string() + " --batch-size 3 --cfg-options " + overrides[0] + " " + overrides[1],
                                  300);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("skipped " + (images / "b.jpg").string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error: 1 of 3 images could not be read"), std::string::npos) << r.out;
  std::ifstream in(out / "predictions.json");
  ASSERT_TRUE(in) << r.out;
  const auto json = nlohmann::json::parse(in);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["file"], (images / "a.jpg").string());
  EXPECT_EQ(json[1]["file"], (images / "c.jpg").string());
  EXPECT_TRUE(fs::exists(out / "vis" / "a.jpg"));
  fs::remove_all(dir);
}

}  // namespace
