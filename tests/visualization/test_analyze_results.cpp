// analyze-results on coco_tiny8: perfect predictions score 1 on every image with boxes, the best
// and worst are drawn into good/ and bad/, foreign ids are errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/evaluation/coco_json.h"
#include "core/evaluation/error_analysis.h"
#include "core/visualization/draw.h"

namespace fs = std::filesystem;

namespace detseq {
namespace {

int run(const std::string& args, const fs::path& log) {
  // From the source folder: the config's data_root is relative to it, as for a user in the checkout.
  const std::string cmd = "cd " + std::string(DETSEQ_SOURCE_DIR) + " && " + std::string(DETSEQ_BINARY) + " " + args +
                          " > " + log.string() + " 2>&1";
  return std::system(cmd.c_str());
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> files_in(const fs::path& d) {
  std::vector<std::string> out;
  if (!fs::exists(d)) return out;
  for (const auto& e : fs::directory_iterator(d)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(AnalyzeResults, PerfectAndBrokenPredictionsAreRankedAndDrawn) {
  const std::string src = DETSEQ_SOURCE_DIR;
  const CocoGroundTruth gt = coco::load_ground_truth(src + "/tests/data/coco_tiny8/annotations/instances.json");
  ASSERT_GE(gt.images.size(), 4u);
  // Perfect on every image but the first, whose boxes are all predicted 40 px to the right.
  std::vector<CocoResult> results;
  for (const auto& a : gt.annotations) {
    CocoResult r{a.image_id, a.category_id, a.bbox, 0.9};
    if (a.image_id == gt.images[0].id) r.bbox[0] += 40 + a.bbox[2];
    results.push_back(r);
  }
  const fs::path dir = fs::temp_directory_path() / "detseq_test_analyze_results";
  fs::remove_all(dir);
  fs::create_directories(dir);
  coco::write_results((dir / "results.json").string(), results);
  const std::string config = src + "/configs/detr/detr_r18_tiny8_cpu.yaml";
  ASSERT_EQ(run("analyze-results " + config + " " + (dir / "results.json").string() + " --show-dir " +
                    (dir / "show").string() + " --topk 2",
                dir / "log.txt"),
            0)
      << slurp(dir / "log.txt");
  const auto good = files_in(dir / "show" / "good"), bad = files_in(dir / "show" / "bad");
  ASSERT_EQ(good.size(), 2u) << slurp(dir / "log.txt");
  ASSERT_EQ(bad.size(), 2u);
  for (const auto& f : good) EXPECT_NE(f.find("_1.000.jpg"), std::string::npos) << f;
  // The shifted image is the worst: its name (file stem) with mAP 0.
  const std::string stem = fs::path(gt.images[0].file_name).stem().string();
  EXPECT_NE(std::find(bad.begin(), bad.end(), stem + "_0.000.jpg"), bad.end()) << bad[0] << " " << bad[1];
  EXPECT_NE(slurp(dir / "log.txt").find("8 images scored"), std::string::npos) << slurp(dir / "log.txt");

  // A category the dataset lacks is a one-line error with exit 1.
  std::ofstream(dir / "foreign.json") << R"([{"image_id": 1, "category_id": 12345, "bbox": [0, 0, 5, 5], "score": 1}])";
  EXPECT_NE(run("analyze-results " + config + " " + (dir / "foreign.json").string() + " --show-dir " +
                    (dir / "x").string(),
                dir / "log2.txt"),
            0);
  EXPECT_NE(slurp(dir / "log2.txt").find("category_id 12345"), std::string::npos) << slurp(dir / "log2.txt");
}

TEST(CocoErrorAnalysis, WritesEveryPlotAndReadsSupercategories) {
  const std::string gt_path = std::string(DETSEQ_SOURCE_DIR) + "/tests/data/coco_tiny8/annotations/instances.json";
  const auto super = coco::load_supercategories(gt_path);
  ASSERT_EQ(super.size(), 80u);
  EXPECT_EQ(super.at(1), "person");
  EXPECT_EQ(super.at(18), "animal");  // dog
  const CocoGroundTruth gt = coco::load_ground_truth(gt_path);
  std::vector<CocoResult> perfect;
  for (const auto& a : gt.annotations) perfect.push_back({a.image_id, a.category_id, a.bbox, 0.9});
  const fs::path dir = fs::temp_directory_path() / "detseq_test_error_analysis";
  fs::remove_all(dir);
  fs::create_directories(dir);
  coco::write_results((dir / "results.json").string(), perfect);
  ASSERT_EQ(run("coco-error-analysis " + gt_path + " " + (dir / "results.json").string() + " --out " +
                    (dir / "out").string(),
                dir / "log.txt"),
            0)
      << slurp(dir / "log.txt");
  EXPECT_EQ(files_in(dir / "out" / "bbox").size(), 81u * 4);
  const cv::Mat plot = vis::load_image((dir / "out" / "bbox" / "bbox-allclass-allarea.png").string());
  EXPECT_GT(plot.cols, 400);
  EXPECT_NE(slurp(dir / "log.txt").find("wrote 324 plots"), std::string::npos) << slurp(dir / "log.txt");
}

}  // namespace
}  // namespace detseq
