// The confusion matrix rules of mmdetection's confusion_matrix.py, one small image each.
#include <gtest/gtest.h>

#include "core/evaluation/confusion_matrix.h"
#include "core/util/error.h"

namespace detseq::coco {
namespace {

// Two classes (ids 3 "cat" and 1 "dog": sorted by id -> dog = 0, cat = 1), background = 2.
CocoGroundTruth two_classes() {
  CocoGroundTruth gt;
  gt.categories = {{3, "cat"}, {1, "dog"}};
  for (int64_t id = 1; id <= 6; ++id) gt.images.push_back({id, 100, 100, "im" + std::to_string(id) + ".jpg"});
  return gt;
}

void add_gt(CocoGroundTruth& gt, int64_t image, int64_t cat, std::array<double, 4> xywh) {
  CocoAnnotation a;
  a.id = static_cast<int64_t>(gt.annotations.size()) + 1;
  a.image_id = image, a.category_id = cat, a.bbox = xywh, a.area = xywh[2] * xywh[3];
  gt.annotations.push_back(a);
}

TEST(ConfusionMatrix, EveryRuleOfMmdet) {
  CocoGroundTruth gt = two_classes();
  add_gt(gt, 1, 1, {10, 10, 20, 20});  // dog, found as dog: (dog, dog)
  add_gt(gt, 2, 1, {10, 10, 20, 20});  // dog, found as cat only: (dog, cat) and a missed dog (dog, bg)
  add_gt(gt, 3, 3, {10, 10, 20, 20});  // cat, never predicted: (cat, bg)
  add_gt(gt, 5, 3, {0, 0, 40, 40});    // two overlapping cats, one prediction over both:
  add_gt(gt, 5, 3, {2, 2, 40, 40});    //   (cat, cat) twice
  std::vector<CocoResult> res = {
      {1, 1, {11, 10, 20, 20}, 0.9},  // IoU 0.9 with the dog
      {2, 3, {10, 10, 20, 21}, 0.8},  // a cat on the dog
      {4, 1, {50, 50, 10, 10}, 0.7},  // on an empty image: (bg, dog)
      {4, 3, {50, 50, 10, 10}, 0.1},  // below score_thr: nothing
      {5, 3, {1, 1, 40, 40}, 0.6},
      {6, 1, {0, 0, 10, 10}, 0.35},   // no ground truth on image 6: (bg, dog)
  };
  const ConfusionMatrix cm = confusion_matrix(gt, res, {});
  ASSERT_EQ(cm.labels, (std::vector<std::string>{"dog", "cat", "background"}));
  const std::vector<std::vector<int64_t>> expected = {
      {1, 1, 1},  // dog: TP, as cat, missed
      {0, 2, 1},  // cat: two hits by one prediction, one missed
      {2, 0, 0},  // background: two dog predictions on nothing
  };
  EXPECT_EQ(cm.counts, expected);
  const auto pct = cm.row_normalized();
  EXPECT_NEAR(pct[0][0], 100.0 / 3, 1e-12);
  EXPECT_NEAR(pct[2][0], 100.0, 1e-12);
  EXPECT_EQ(cm.to_csv(), "gt \\ pred,dog,cat,background\ndog,1,1,1\ncat,0,2,1\nbackground,2,0,0\n");

  // A lower score threshold lets the 0.1 cat in: (bg, cat) += 1.
  ConfusionOptions low;
  low.score_thr = 0.05;
  EXPECT_EQ(confusion_matrix(gt, res, low).counts[2][1], 1);
  // A stricter IoU: the cat on the dog still overlaps at IoU 20*20/(20*21) = 0.95, the 11-px shift
  // of image 1 (IoU 19*20/(21*20) = 0.905) no longer counts at 0.92: that dog is missed and the
  // prediction is background.
  ConfusionOptions strict;
  strict.tp_iou_thr = 0.92;
  const auto s = confusion_matrix(gt, res, strict);
  EXPECT_EQ(s.counts[0][0], 0);
  EXPECT_EQ(s.counts[2][0], 3);
  EXPECT_EQ(s.counts[0][2], 2);
}

TEST(ConfusionMatrix, NmsDropsDuplicatesAndLowScoresSuppressNothing) {
  CocoGroundTruth gt = two_classes();
  add_gt(gt, 1, 1, {10, 10, 20, 20});
  std::vector<CocoResult> res = {
      {1, 1, {10, 10, 20, 20}, 0.9},
      {1, 1, {11, 10, 20, 20}, 0.8},  // a duplicate: without NMS a second (dog, dog)
      {1, 1, {60, 60, 20, 20}, 0.5},
  };
  EXPECT_EQ(confusion_matrix(gt, res, {}).counts[0][0], 2);
  ConfusionOptions nms;
  nms.nms_iou_thr = 0.5;
  const auto cm = confusion_matrix(gt, res, nms);
  EXPECT_EQ(cm.counts[0][0], 1);
  EXPECT_EQ(cm.counts[2][0], 1);
  // A box under score_thr never suppresses one above it.
  std::vector<CocoResult> low = {{1, 1, {10, 10, 20, 20}, 0.1}, {1, 1, {11, 10, 20, 20}, 0.4}};
  EXPECT_EQ(confusion_matrix(gt, low, nms).counts[0][0], 1);
}

TEST(ConfusionMatrix, ForeignIdsAreErrors) {
  CocoGroundTruth gt = two_classes();
  EXPECT_THROW(confusion_matrix(gt, {{99, 1, {0, 0, 1, 1}, 0.9}}, {}), Error);
  EXPECT_THROW(confusion_matrix(gt, {{1, 7, {0, 0, 1, 1}, 0.9}}, {}), Error);
}

}  // namespace
}  // namespace detseq::coco
