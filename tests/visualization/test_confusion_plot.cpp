// confusion-matrix: the heat map's cells and the command's files on coco_tiny8.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/evaluation/coco_json.h"
#include "core/util/strings.h"
#include "core/visualization/confusion_plot.h"
#include "core/visualization/draw.h"

namespace fs = std::filesystem;

namespace detseq::vis {
namespace {

int count_colour(const cv::Mat& img, const cv::Vec3b& c) {
  int n = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) n += img.at<cv::Vec3b>(y, x) == c;
  return n;
}

TEST(ConfusionPlot, CellsHoldTheRowPercentagesColour) {
  coco::ConfusionMatrix cm;
  cm.labels = {"dog", "cat", "background"};
  cm.counts = {{4, 0, 0}, {1, 1, 2}, {0, 3, 0}};  // rows: 100/0/0, 25/25/50, 0/100/0
  const cv::Mat img = draw_confusion_matrix(cm);
  ASSERT_EQ(img.type(), CV_8UC3);
  EXPECT_GT(img.cols, 3 * 22);
  // Colours of 100 %, 25 % and 50 % fill whole cells (minus the digits written in them).
  const int cell_area = 64 * 64;
  EXPECT_GT(count_colour(img, confusion_color(100)), cell_area / 2);
  EXPECT_GT(count_colour(img, confusion_color(25)), cell_area / 3);
  EXPECT_GT(count_colour(img, confusion_color(50)), cell_area / 3);
  EXPECT_NE(confusion_color(0), confusion_color(100));
}

TEST(ConfusionPlot, CommandWritesPngAndCsvForPerfectResults) {
  const std::string gt_path = std::string(DETSEQ_SOURCE_DIR) + "/tests/data/coco_tiny8/annotations/instances.json";
  const CocoGroundTruth gt = coco::load_ground_truth(gt_path);
  std::vector<CocoResult> perfect;
  std::map<int64_t, int64_t> per_class;
  for (const auto& a : gt.annotations) {
    perfect.push_back({a.image_id, a.category_id, a.bbox, 0.99});
    ++per_class[a.category_id];
  }
  const fs::path dir = fs::temp_directory_path() / "detseq_test_confusion";
  fs::remove_all(dir);
  fs::create_directories(dir);
  coco::write_results((dir / "results.json").string(), perfect);
  const std::string cmd = std::string(DETSEQ_BINARY) + " confusion-matrix " + gt_path + " " +
                          (dir / "results.json").string() + " --out " + (dir / "out").string() + " > " +
                          (dir / "log.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const cv::Mat png = load_image((dir / "out" / "confusion_matrix.png").string());
  EXPECT_GT(png.rows, 100);
  std::ifstream csv(dir / "out" / "confusion_matrix.csv");
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(csv, line);) rows.push_back(split(line, ','));
  ASSERT_EQ(rows.size(), gt.categories.size() + 2);  // header + classes + background
  // Every prediction sits on its own box: nothing is background, nothing is missed, and each
  // class's diagonal counts at least its boxes (overlapping boxes of a class add more).
  std::vector<CocoCategory> cats = gt.categories;
  std::sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (size_t i = 0; i < cats.size(); ++i) {
    EXPECT_EQ(rows[i + 1].front(), cats[i].name);
    EXPECT_GE(std::stoll(rows[i + 1][i + 1]), per_class[cats[i].id]) << cats[i].name;
    EXPECT_EQ(rows[i + 1].back(), "0") << cats[i].name << " has missed boxes";
  }
  for (size_t j = 1; j < rows.back().size(); ++j) EXPECT_EQ(rows.back()[j], "0") << "background row, column " << j;
}

}  // namespace
}  // namespace detseq::vis
