// The COCO error breakdown on one hand-made image where every error type has its own detection.
#include <gtest/gtest.h>

#include "core/evaluation/error_analysis.h"

namespace detseq::coco {
namespace {

TEST(ErrorAnalysis, EachErrorTypeForgivesItsOwnDetection) {
  CocoGroundTruth gt;
  gt.images = {{1, 200, 200, "a.jpg"}};
  gt.categories = {{1, "cat"}, {2, "dog"}, {3, "car"}};
  auto box = [&](int64_t id, int64_t cat, std::array<double, 4> xywh) {
    CocoAnnotation a;
    a.id = id, a.image_id = 1, a.category_id = cat, a.bbox = xywh, a.area = xywh[2] * xywh[3];
    gt.annotations.push_back(a);
  };
  box(1, 1, {0, 0, 40, 40});    // the cat
  box(2, 2, {100, 0, 40, 40});  // a dog (same supercategory)
  box(3, 3, {0, 100, 40, 40});  // a car
  // Cat detections, best score first: on the dog, on the car, a poor box on the cat (IoU 0.33),
  // on the background, and the exact cat last.
  const std::vector<CocoResult> dets = {{1, 1, {100, 0, 40, 40}, 0.9},
                                        {1, 1, {0, 100, 40, 40}, 0.8},
                                        {1, 1, {20, 0, 40, 40}, 0.7},
                                        {1, 1, {150, 150, 40, 40}, 0.6},
                                        {1, 1, {0, 0, 40, 40}, 0.5}};
  const ErrorBreakdown b = analyze_errors(gt, dets, {{1, "animal"}, {2, "animal"}, {3, "vehicle"}});
  ASSERT_EQ(b.cat_ids, (std::vector<int64_t>{1, 2, 3}));
  ASSERT_EQ(b.rec_thrs.size(), 101u);
  const int64_t all = 0;
  // One box: the envelope is flat, each mean is the precision when the cat is first found.
  EXPECT_NEAR(b.mean(0, 0, all), 1.0 / 5, 1e-12);  // C75: the exact box is 5th
  EXPECT_NEAR(b.mean(1, 0, all), 1.0 / 5, 1e-12);  // C50
  EXPECT_NEAR(b.mean(2, 0, all), 1.0 / 3, 1e-12);  // Loc: the IoU-0.33 box hits, 3rd
  EXPECT_NEAR(b.mean(3, 0, all), 1.0 / 2, 1e-12);  // Sim: the box on the dog is forgiven
  EXPECT_NEAR(b.mean(4, 0, all), 1.0, 1e-12);      // Oth: the box on the car too
  EXPECT_NEAR(b.mean(5, 0, all), 1.0, 1e-12);      // BG
  EXPECT_NEAR(b.mean(6, 0, all), 1.0, 1e-12);      // FN
  // The dog and the car were never detected: 0 up to BG, 1 for FN. The all-class mean averages them.
  EXPECT_EQ(b.mean(4, 1, all), 0.0);
  EXPECT_EQ(b.mean(6, 2, all), 1.0);
  EXPECT_NEAR(b.mean(2, -1, all), (1.0 / 3) / 3, 1e-12);
  // Curves never decrease from one error type to the next.
  for (int t = 1; t < kErrorTypes; ++t)
    for (int64_t r = 0; r < 101; ++r) EXPECT_GE(b.at(t, r, 0, all), b.at(t - 1, r, 0, all)) << t << " " << r;
  EXPECT_EQ(error_type_names().size(), static_cast<size_t>(kErrorTypes));
}

}  // namespace
}  // namespace detseq::coco
