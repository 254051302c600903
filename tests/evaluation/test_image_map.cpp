// Per-image mAP as mmdetection's analyze_results.py computes it (eval_map, area AP, IoU 0.5:0.95).
#include <gtest/gtest.h>

#include "core/evaluation/image_map.h"

namespace detseq::coco {
namespace {

using Gt = std::vector<std::vector<std::array<double, 4>>>;
using Dets = std::vector<std::vector<ScoredBox>>;

TEST(ImageMap, PerfectShiftedMissedAndFalsePositives) {
  const Gt one{{{10, 10, 30, 30}}, {}};
  EXPECT_DOUBLE_EQ(image_map(one, Dets{{{{10, 10, 30, 30}, 0.9}}, {}}), 1.0);
  // IoU 18*20 / (22*20) = 0.818: a hit at 0.50 ... 0.80 (7 of 10 thresholds).
  EXPECT_NEAR(image_map(one, Dets{{{{12, 10, 32, 30}, 0.9}}, {}}), 0.7, 1e-12);
  // Nothing predicted: 0; predictions of a class without ground truth do not enter the mean.
  EXPECT_DOUBLE_EQ(image_map(one, Dets{{}, {}}), 0.0);
  EXPECT_DOUBLE_EQ(image_map(one, Dets{{{{10, 10, 30, 30}, 0.9}}, {{{50, 50, 60, 60}, 0.99}}}), 1.0);
  // An image without ground truth scores 0 whatever is predicted.
  EXPECT_DOUBLE_EQ(image_map(Gt{{}, {}}, Dets{{{{10, 10, 30, 30}, 0.9}}, {}}), 0.0);
}

TEST(ImageMap, AreaApOfRankedHitsAndDuplicates) {
  // Two boxes of class 0. A confident miss, then a hit: recall 0.5 at precision 0.5 -> AP 0.25.
  const Gt two{{{0, 0, 10, 10}, {20, 20, 30, 30}}};
  EXPECT_DOUBLE_EQ(image_map(two, Dets{{{{50, 50, 60, 60}, 0.9}, {{0, 0, 10, 10}, 0.8}}}), 0.25);
  // Hit, duplicate of the same box (a false positive), hit: precisions 1, 1/2, 2/3 at recalls
  // 1/2, 1/2, 1 -> envelope 1 up to 1/2, 2/3 to 1 -> 0.5 + 0.5 * 2/3.
  EXPECT_NEAR(image_map(two, Dets{{{{0, 0, 10, 10}, 0.9}, {{0, 0, 10, 10}, 0.8}, {{20, 20, 30, 30}, 0.7}}}),
              0.5 + 0.5 * 2.0 / 3.0, 1e-12);
  // Score order, not list order, decides.
  EXPECT_DOUBLE_EQ(image_map(two, Dets{{{{0, 0, 10, 10}, 0.8}, {{50, 50, 60, 60}, 0.9}}}), 0.25);
  // A box that overlaps two ground-truth boxes is matched to the best one only (argmax).
  const Gt near{{{0, 0, 10, 10}, {1, 0, 11, 10}}};
  EXPECT_DOUBLE_EQ(image_map_at(near, Dets{{{{1, 0, 11, 10}, 0.9}}}, 0.5), 0.5);
}

}  // namespace
}  // namespace detseq::coco
