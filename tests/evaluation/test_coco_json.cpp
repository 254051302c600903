// COCO JSON reading/writing: results round trip bit-exactly and evaluate the same.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/evaluation/coco_eval.h"
#include "core/evaluation/coco_json.h"
#include "core/evaluation/coco_summary.h"
#include "core/util/error.h"
#include "tests/evaluation/coco_cases.h"

using namespace detseq;
using namespace detseq::testing;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("detseq_test_eval_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
}  // namespace

TEST(CocoJson, ResultsRoundTripExactly) {
  const fs::path dir = temp_dir("roundtrip");
  std::vector<CocoResult> r = {det(1, 3, {0.1, 1.0 / 3.0, 2e-7, 123.456789012345}, 0.123456789123),
                               det(42, 90, {5, 6, 7, 8}, 1)};
  coco::write_results((dir / "sub" / "r.json").string(), r);
  const auto back = coco::load_results((dir / "sub" / "r.json").string());
  ASSERT_EQ(back.size(), 2u);
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(back[i].image_id, r[i].image_id);
    EXPECT_EQ(back[i].category_id, r[i].category_id);
    EXPECT_EQ(back[i].bbox, r[i].bbox);
    EXPECT_EQ(back[i].score, r[i].score);
  }
  fs::remove_all(dir);
}

TEST(CocoJson, GroundTruthFieldsAndDefaults) {
  const fs::path dir = temp_dir("gt");
  write(dir / "gt.json", R"({"info": {"x": 1}, "images": [{"id": 3, "width": 640, "height": 480, "file_name": "a.jpg"}],
    "annotations": [{"id": 1, "image_id": 3, "category_id": 7, "bbox": [1, 2, 10.5, 20], "area": 99.5, "iscrowd": 1,
                     "segmentation": {"counts": [1, 2], "size": [480, 640]}},
                    {"id": 2, "image_id": 3, "category_id": 7, "bbox": [0, 0, 4, 5], "ignore": 1}],
    "categories": [{"id": 7, "name": "cat", "supercategory": "animal"}]})");
  const auto gt = coco::load_ground_truth((dir / "gt.json").string());
  ASSERT_EQ(gt.images.size(), 1u);
  EXPECT_EQ(gt.images[0].file_name, "a.jpg");
  ASSERT_EQ(gt.annotations.size(), 2u);
  EXPECT_TRUE(gt.annotations[0].iscrowd);
  EXPECT_EQ(gt.annotations[0].area, 99.5);
  EXPECT_EQ(gt.annotations[0].bbox[2], 10.5);
  EXPECT_EQ(gt.annotations[1].area, 20.0);  // missing area: box area
  EXPECT_TRUE(gt.annotations[1].ignore);
  EXPECT_EQ(gt.categories[0].name, "cat");
  fs::remove_all(dir);
}

TEST(CocoJson, BadFilesGiveClearErrors) {
  const fs::path dir = temp_dir("bad");
  auto message = [](auto fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { coco::load_results((dir / "missing.json").string()); }).find("cannot read"),
            std::string::npos);
  write(dir / "obj.json", R"({"a": 1})");
  EXPECT_NE(message([&] { coco::load_results((dir / "obj.json").string()); }).find("JSON list"), std::string::npos);
  write(dir / "box.json", R"([{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3], "score": 0.5}])");
  EXPECT_NE(message([&] { coco::load_results((dir / "box.json").string()); }).find("[0].bbox"), std::string::npos);
  write(dir / "trunc.json", R"({"images": [{"id": 1)");
  EXPECT_NE(message([&] { coco::load_ground_truth((dir / "trunc.json").string()); }).find("trunc.json"),
            std::string::npos);
  fs::remove_all(dir);
}
