// DetVisualizer on coco_tiny8: ground truth and predictions land on the right pixels of the
// written image (GT left panel, predictions >= score_thr right panel).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "core/evaluation/coco_json.h"
#include "core/visualization/det_visualizer.h"

using namespace detseq;
using namespace detseq::vis;
namespace fs = std::filesystem;

namespace {

const std::string kTiny8 = std::string(DETSEQ_TEST_DATA) + "/coco_tiny8";

// coco_tiny8's annotation file as a Dataset: labels are the categories in file order.
class Tiny8 : public Dataset {
 public:
  Tiny8() : gt_(coco::load_ground_truth(kTiny8 + "/annotations/instances.json")) {
    for (const auto& c : gt_.categories) meta_.classes.push_back(c.name);
  }
  size_t size() const override { return gt_.images.size(); }
  std::optional<Sample> get(size_t, Rng&) override { return std::nullopt; }
  const DatasetMeta& metainfo() const override { return meta_; }
  const CocoGroundTruth& ground_truth() const override { return gt_; }
  int64_t label_to_category(int64_t label) const override { return gt_.categories.at(label).id; }
  double aspect_ratio(size_t) const override { return 1; }
  int64_t label_of(int64_t category) const {
    for (size_t i = 0; i < gt_.categories.size(); ++i)
      if (gt_.categories[i].id == category) return i;
    return -1;
  }

 private:
  CocoGroundTruth gt_;
  DatasetMeta meta_;
};

// Fraction of points on the vertical segment x, y in [ya, yb] where the pixel or a horizontal
// neighbour has colour c (lines are 2 px wide).
double on_line(const cv::Mat& img, int x, int ya, int yb, const Rgb& c) {
  int hit = 0;
  for (int y = ya; y <= yb; ++y) {
    bool found = false;
    for (int dx = -1; dx <= 1; ++dx) {
      const auto& p = img.at<cv::Vec3b>(y, x + dx);
      found = found || (p[0] == c[0] && p[1] == c[1] && p[2] == c[2]);
    }
    hit += found;
  }
  return static_cast<double>(hit) / (yb - ya + 1);
}

}  // namespace

TEST(DetVisualizer, GroundTruthAndPredictionsInTheRightPlaces) {
  Tiny8 ds;
  const auto gts = ground_truth_by_image(ds);
  ASSERT_EQ(gts.size(), 8u);
  // Image 30 has a category-64 box at [205, 31, 255, 324] (xywh).
  const BoxSet& gt = gts.at(30);
  ASSERT_GE(gt.boxes.size(0), 1);
  EXPECT_NEAR(gt.boxes[0][2].item<float>(), 205 + 255, 1);
  const int64_t plant = ds.label_of(64), person = ds.label_of(1), dog = ds.label_of(18);
  Detections pred;
  pred.image_id = 30;
  pred.boxes = torch::tensor({100.f, 100.f, 200.f, 300.f, 400.f, 50.f, 600.f, 150.f}).view({2, 4});
  pred.scores = torch::tensor({0.9f, 0.1f});
  pred.labels = torch::tensor({person, dog});
  const fs::path out = fs::temp_directory_path() / "detseq_test_detvis";
  fs::remove_all(out);
  DetVisualizer vis(class_style(ds.metainfo()), out.string(), 0.3);
  const std::string path = vis.write(kTiny8 + "/images/000000000030.jpg", &gt, pred);
  EXPECT_EQ(path, (out / "000000000030.jpg").string());
  // Re-encode losslessly to check exact colours: write a PNG next to it.
  const std::string png = vis.write(load_image(kTiny8 + "/images/000000000030.jpg"), "x.png", &gt, pred);
  const cv::Mat img = load_image(png);
  ASSERT_EQ(img.cols, 2 * 640);
  ASSERT_EQ(img.rows, 428);
  const Palette pal;
  // Left panel: the GT box's left and right edges, below its label.
  EXPECT_GT(on_line(img, 205, 100, 350, pal.color(plant)), 0.9);
  EXPECT_GT(on_line(img, 460, 100, 350, pal.color(plant)), 0.9);
  EXPECT_LT(on_line(img, 100, 150, 290, pal.color(person)), 0.1);  // no prediction on the GT panel
  // Right panel: the confident prediction, and not the one below score_thr.
  EXPECT_GT(on_line(img, 640 + 100, 130, 290, pal.color(person)), 0.9);
  EXPECT_GT(on_line(img, 640 + 200, 130, 290, pal.color(person)), 0.9);
  EXPECT_LT(on_line(img, 640 + 400, 60, 140, pal.color(dog)), 0.1);
  fs::remove_all(out);
}

TEST(DetVisualizer, CrowdFlagsAndImagesWithoutBoxes) {
  Tiny8 ds;
  const auto gts = ground_truth_by_image(ds);
  // Image 544 holds the fixture's crowd box; one image has no boxes at all.
  const BoxSet& crowd = gts.at(544);
  EXPECT_EQ(crowd.ignore.sum().item<int64_t>(), 1);
  int64_t empty = 0;
  for (const auto& [id, s] : gts) empty += s.boxes.size(0) == 0;
  EXPECT_EQ(empty, 1);
}
