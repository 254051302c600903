// COCO evaluation against pycocotools: the official demo numbers and hand-made cases for crowd,
// empty images, missing categories, score ties, max detections, the GT area field and IoU = 0.5.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/evaluation/coco_eval.h"
#include "core/evaluation/coco_json.h"
#include "core/evaluation/coco_summary.h"
#include "core/util/error.h"
#include "tests/evaluation/coco_cases.h"

using namespace detseq;
using namespace detseq::testing;

namespace {

std::vector<double> stats(const CocoGroundTruth& gt, const std::vector<CocoResult>& dets,
                          std::vector<int64_t> max_dets = {1, 10, 100}) {
  coco::EvalParams p;
  p.max_dets = max_dets;
  return coco::stats_values(coco::summarize(coco::evaluate(gt, dets, p)));
}

void expect_stats(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "stat " << i;
}

}  // namespace

TEST(CocoEval, ThresholdsAreNumpyLinspaceBitForBit) {
  const auto iou = coco::EvalParams::default_iou_thrs();
  const std::vector<double> numpy = {0x1.0000000000000p-1, 0x1.199999999999ap-1, 0x1.3333333333333p-1,
                                     0x1.4cccccccccccdp-1, 0x1.6666666666666p-1, 0x1.8000000000000p-1,
                                     0x1.999999999999ap-1, 0x1.b333333333333p-1, 0x1.cccccccccccccp-1,
                                     0x1.e666666666666p-1};
  ASSERT_EQ(iou.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(iou[i], numpy[i]) << i;
  const auto rec = coco::EvalParams::default_rec_thrs();
  ASSERT_EQ(rec.size(), 101u);
  EXPECT_EQ(rec[3], 0x1.eb851eb851eb8p-6);
  EXPECT_EQ(rec[7], 0x1.1eb851eb851ecp-4);
  EXPECT_EQ(rec[29], 0x1.28f5c28f5c28fp-2);
  EXPECT_EQ(rec[57], 0x1.23d70a3d70a3ep-1);
  EXPECT_EQ(rec[99], 0x1.fae147ae147aep-1);
  EXPECT_EQ(rec[100], 1.0);
}

// cocoapi's demo: instances_val2014 (100 images) with its fake bbox results. Reference values are
// pycocotools' (cocoeval.py) full-precision stats; the printed ones are the official 3 decimals.
TEST(CocoEval, OfficialCocoapiDemoNumbers) {
  const std::string dir = std::string(DETSEQ_SOURCE_DIR) + "/../shared/data/cocoapi_val2014_100";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
  const auto gt = coco::load_ground_truth(dir + "/instances_val2014_100.json");
  const auto dets = coco::load_results(dir + "/instances_val2014_fakebbox100_results.json");
  const auto got = stats(gt, dets);
  expect_stats(got, {0.5045806987249628, 0.6969727247299577, 0.5729816669904824, 0.5856257209410443,
                     0.5193996948036719, 0.5013978986347466, 0.38681277964578054, 0.5936795762842003,
                     0.595352982877607, 0.6398109626113442, 0.5664205978994309, 0.5642905982905982});
  const std::vector<double> printed = {0.505, 0.697, 0.573, 0.586, 0.519, 0.501,
                                       0.387, 0.594, 0.595, 0.640, 0.566, 0.564};
  for (size_t i = 0; i < printed.size(); ++i) EXPECT_NEAR(got[i], printed[i], 0.0005) << i;
}

TEST(CocoEval, CrowdAbsorbsDetectionsWithDetectionAreaAsUnion) {
  CocoGroundTruth gt{{image(1)},
                     {ann(1, 1, 1, {10, 10, 100, 100}), ann(2, 1, 1, {200, 200, 200, 200}, -1, true)},
                     cats({1}), {}};
  // Two detections inside the crowd region, ranked above the true positive: ignored, not false
  // positives (their IoU with the crowd box, by the crowd rule, is 1).
  std::vector<CocoResult> d = {det(1, 1, {210, 210, 50, 50}, .99), det(1, 1, {250, 250, 60, 60}, .98),
                               det(1, 1, {10, 10, 100, 100}, .9)};
  expect_stats(stats(gt, d), {1, 1, 1, -1, -1, 1, 0, 1, 1, -1, -1, 1});
  expect_stats(stats(gt, d, {100, 300, 1000}), {1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1, 1});
  // The same boxes without the crowd flag are false positives.
  gt.annotations[1].iscrowd = false;
  // (precision 1/3 up to recall 0.5: 51 of the 101 recall points)
  const double a = 51.0 / 101 / 3, l = 51.0 / 101;
  expect_stats(stats(gt, d), {a, a, a, -1, -1, l, 0, .5, .5, -1, -1, .5});
}

TEST(CocoEval, EmptyImagesMissingCategoriesAndStableTies) {
  // Image 5 has no ground truth; category 3 has none anywhere (-1, left out of the means).
  // Equal scores keep image order (image 5's false positive first) and, within an image, file order.
  CocoGroundTruth gt{{image(5), image(10), image(30)},
                     {ann(1, 10, 1, {0, 0, 50, 50}), ann(2, 30, 2, {100, 100, 40, 40})},
                     cats({1, 2, 3}), {}};
  std::vector<CocoResult> d = {det(5, 1, {5, 5, 50, 50}, .5), det(10, 1, {0, 0, 50, 50}, .5),
                               det(30, 2, {300, 300, 40, 40}, .7), det(30, 2, {100, 100, 40, 40}, .7),
                               det(30, 3, {0, 0, 10, 10}, .9)};
  expect_stats(stats(gt, d), {.5, .5, .5, -1, .5, -1, .5, 1, 1, -1, 1, -1});
  expect_stats(stats(gt, d, {100, 300, 1000}), {.5, .5, .5, -1, .5, -1, 1, 1, 1, -1, 1, -1});
  // Swapping the tied detections' file order flips category 2 to AP 1.
  std::swap(d[2], d[3]);
  const auto r = coco::evaluate(gt, d);
  const auto rows = coco::classwise(r, {{1, "a"}, {2, "b"}, {3, "c"}});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NEAR(rows[0].ap, 0.5, 1e-12);
  EXPECT_NEAR(rows[1].ap, 1.0, 1e-12);
  EXPECT_TRUE(std::isnan(rows[2].ap));  // no ground truth
  EXPECT_NEAR(rows[1].ap_m, 1.0, 1e-12);
  EXPECT_TRUE(std::isnan(rows[1].ap_s));
}

TEST(CocoEval, SizeRangesUseTheAnnotationAreaField) {
  // A 50x50 box whose segmentation area is 500: small, not medium.
  CocoGroundTruth gt{{image(1)}, {ann(1, 1, 1, {0, 0, 50, 50}, 500)}, cats({1}), {}};
  expect_stats(stats(gt, {det(1, 1, {0, 0, 50, 50}, .8)}), {1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1});
}

TEST(CocoEval, OnlyTopMaxDetsPerImage) {
  CocoGroundTruth gt{{image(1)}, {ann(1, 1, 1, {0, 0, 10, 10})}, cats({1}), {}};
  std::vector<CocoResult> d;
  for (int i = 0; i < 100; ++i) d.push_back(det(1, 1, {100.0 + 3 * i, 100, 10, 10}, .9));
  d.push_back(det(1, 1, {0, 0, 10, 10}, .5));  // the true positive is the 101st
  expect_stats(stats(gt, d), {0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1});
  // mmdetection's proposal convention: AP uses 100, the others the largest max_dets.
  const double p = 1.0 / 101;
  expect_stats(stats(gt, d, {100, 300, 1000}), {0, p, p, p, -1, -1, 0, 1, 1, 1, -1, -1});
}

TEST(CocoEval, IouExactlyAtThresholdMatches) {
  CocoGroundTruth gt{{image(1)}, {ann(1, 1, 1, {0, 0, 10, 10})}, cats({1}), {}};
  // IoU = 100 / 200 = 0.5: a match at 0.50 only.
  expect_stats(stats(gt, {det(1, 1, {0, 0, 10, 20}, .8)}), {.1, 1, 0, .1, -1, -1, .1, .1, .1, .1, -1, -1});
}

TEST(CocoEval, CustomIouThresholdsAndNoDetections) {
  CocoGroundTruth gt{{image(1)}, {ann(1, 1, 1, {0, 0, 10, 10})}, cats({1}), {}};
  coco::EvalParams p;
  p.iou_thrs = {0.5};
  const auto r = coco::evaluate(gt, {det(1, 1, {0, 0, 10, 20}, .8)}, p);
  const auto s = coco::summarize(r);
  EXPECT_NEAR(s[0].value, 1.0, 1e-12);
  EXPECT_EQ(s[2].value, -1);  // no 0.75 threshold: pycocotools' empty selection
  EXPECT_EQ(coco::summary_line(r, s[0]),
            " Average Precision  (AP) @[ IoU=0.50:0.50 | area=   all | maxDets=100 ] = 1.000");
  // No detections at all: AP 0 where there is ground truth.
  expect_stats(stats(gt, {}), {0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1});
}

TEST(CocoEval, ErrorsAreOneLine) {
  CocoGroundTruth gt{{image(1)}, {ann(1, 1, 1, {0, 0, 10, 10})}, cats({1}), {}};
  try {
    coco::evaluate(gt, {det(7, 1, {0, 0, 1, 1}, .5)});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("image_id 7"), std::string::npos) << e.what();
  }
  coco::EvalParams p;
  p.max_dets = {1, 10};
  EXPECT_THROW(coco::summarize(coco::evaluate(gt, {}, p)), Error);
}
