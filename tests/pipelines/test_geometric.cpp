// Geometric transforms keep boxes on their pixels: draw a filled box, transform, check that the
// transformed box still covers the bright pixels and that the meta's affine map reproduces it.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"
#include "core/util/error.h"

using namespace detseq;

namespace {

std::shared_ptr<Transform> make(const std::string& yaml) {
  return build<Transform>(parse_yaml_string(yaml, "<test>"), "pipeline.0");
}

// A 120x80 black image with a white box [30, 20, 70, 50] (label 3) and a crowd box.
Sample box_sample() {
  Sample s;
  s.image = torch::zeros({80, 120, 3}, torch::kUInt8);
  s.image.narrow(0, 20, 30).narrow(1, 30, 40).fill_(255);
  s.instances.boxes = torch::tensor({30.f, 20.f, 70.f, 50.f}).view({1, 4});
  s.instances.labels = torch::tensor({int64_t(3)});
  s.instances.ignore = torch::tensor({false});
  auto& m = s.meta;
  m.ori_height = m.img_height = m.pad_height = 80;
  m.ori_width = m.img_width = m.pad_width = 120;
  return s;
}

float px(const Sample& s, double x, double y) {
  const int64_t xi = static_cast<int64_t>(x), yi = static_cast<int64_t>(y);
  return s.image[yi][xi][0].item<float>();
}

// The box's inside is bright and a few pixels outside it is dark (where inside the image).
void expect_aligned(const Sample& s, const std::string& what) {
  ASSERT_EQ(s.instances.size(), 1) << what;
  auto b = s.instances.boxes[0];
  const double x1 = b[0].item<double>(), y1 = b[1].item<double>(), x2 = b[2].item<double>(), y2 = b[3].item<double>();
  const int64_t H = s.image.size(0), W = s.image.size(1);
  ASSERT_EQ(H, s.meta.pad_height);
  ASSERT_EQ(W, s.meta.pad_width);
  const double cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
  EXPECT_GT(px(s, cx, cy), 200) << what;
  EXPECT_GT(px(s, x1 + 2, cy), 150) << what;
  EXPECT_GT(px(s, x2 - 2, cy), 150) << what;
  EXPECT_GT(px(s, cx, y1 + 2), 150) << what;
  EXPECT_GT(px(s, cx, y2 - 2), 150) << what;
  if (x1 >= 3) {
    EXPECT_LT(px(s, x1 - 3, cy), 60) << what;
  }
  if (x2 + 3 < s.meta.img_width) {
    EXPECT_LT(px(s, x2 + 3, cy), 60) << what;
  }
  if (y1 >= 3) {
    EXPECT_LT(px(s, cx, y1 - 3), 60) << what;
  }
  if (y2 + 3 < s.meta.img_height) {
    EXPECT_LT(px(s, cx, y2 + 3), 60) << what;
  }
}

// The meta's affine map takes the original box to the current one (before clipping).
void expect_meta_maps(const Sample& s, const std::string& what) {
  const auto& m = s.meta;
  double x1 = m.scale_x * 30 + m.offset_x, x2 = m.scale_x * 70 + m.offset_x;
  double y1 = m.scale_y * 20 + m.offset_y, y2 = m.scale_y * 50 + m.offset_y;
  if (x1 > x2) std::swap(x1, x2);
  if (y1 > y2) std::swap(y1, y2);
  auto b = s.instances.boxes[0];
  EXPECT_NEAR(b[0].item<double>(), std::max(0.0, x1), 1e-3) << what;
  EXPECT_NEAR(b[1].item<double>(), std::max(0.0, y1), 1e-3) << what;
  EXPECT_NEAR(b[2].item<double>(), std::min<double>(m.img_width, x2), 1e-3) << what;
  EXPECT_NEAR(b[3].item<double>(), std::min<double>(m.img_height, y2), 1e-3) << what;
}

}  // namespace

TEST(Geometric, EveryTransformKeepsBoxesOnTheirPixels) {
  const std::vector<std::string> configs = {
      "{type: Resize, scale: [240, 240], keep_ratio: true}",
      "{type: Resize, scale: [50, 90], keep_ratio: false}",
      "{type: Resize, short_side: 64, max_size: 100}",
      "{type: Resize, scale_factor: 1.7}",
      "{type: RandomResize, scale: [[200, 100], [300, 160]]}",
      "{type: RandomResize, scale: [[120, 80]], ratio_range: [0.5, 2.0]}",
      "{type: RandomChoiceResize, short_sides: [48, 64, 96], max_size: 200}",
      "{type: RandomChoiceResize, scales: [[100, 60], [200, 150]], keep_ratio: false}",
      "{type: RandomFlip, prob: 1.0}",
      "{type: RandomFlip, prob: 1.0, direction: vertical}",
      "{type: RandomFlip, prob: 1.0, direction: diagonal}",
      "{type: RandomCrop, crop_size: [90, 70]}",
      "{type: RandomCrop, crop_size: [0.8, 0.9], crop_type: relative_range}",
      "{type: RandomSizeCrop, min_size: 60, max_size: 100}",
      "{type: LargeScaleJitter, output_size: 100, min_scale: 0.5, max_scale: 2.0}",
      "{type: Pad, size_divisor: 32}",
      "{type: Pad, size: [128, 128]}",
      "{type: Pad, pad_to_square: true}",
  };
  for (const auto& cfg : configs) {
    auto t = make(cfg);
    for (uint64_t seed = 0; seed < 8; ++seed) {
      Sample s = box_sample();
      Rng rng(seed);
      if (!t->apply(s, rng)) continue;  // a crop may drop it; covered elsewhere
      if (s.instances.size() == 0) continue;
      // Boxes reduced to slivers by a crop are not checkable by pixels.
      auto b = s.instances.boxes[0];
      if ((b[2] - b[0]).item<double>() < 8 || (b[3] - b[1]).item<double>() < 8) continue;
      expect_aligned(s, cfg + " seed " + std::to_string(seed));
      expect_meta_maps(s, cfg + " seed " + std::to_string(seed));
    }
  }
}

TEST(Geometric, ChainedTransformsComposeTheMetaMap) {
  std::vector<std::shared_ptr<Transform>> chain = {make("{type: RandomFlip, prob: 1.0}"),
                                                   make("{type: Resize, scale: [300, 200]}"),
                                                   make("{type: RandomCrop, crop_size: [200, 150]}"),
                                                   make("{type: RandomFlip, prob: 1.0}"), make("{type: Pad, size_divisor: 64}")};
  for (uint64_t seed = 0; seed < 6; ++seed) {
    Sample s = box_sample();
    Rng rng(seed);
    bool kept = true;
    for (auto& t : chain) kept = kept && t->apply(s, rng);
    if (!kept) continue;
    EXPECT_FALSE(s.meta.flipped);  // two flips
    EXPECT_GT(s.meta.scale_x, 0);
    expect_aligned(s, "chain");
    expect_meta_maps(s, "chain");
  }
}

TEST(Geometric, FlipTwiceIsIdentity) {
  auto flip = make("{type: RandomFlip, prob: 1.0, direction: diagonal}");
  Sample s = box_sample(), orig = box_sample();
  Rng rng(0);
  flip->apply(s, rng);
  EXPECT_TRUE(s.meta.flipped);
  EXPECT_DOUBLE_EQ(s.meta.scale_x, -1);
  EXPECT_DOUBLE_EQ(s.meta.offset_x, 120);
  flip->apply(s, rng);
  EXPECT_TRUE(torch::equal(s.image, orig.image));
  EXPECT_TRUE(torch::equal(s.instances.boxes, orig.instances.boxes));
  EXPECT_DOUBLE_EQ(s.meta.scale_x, 1);
  EXPECT_DOUBLE_EQ(s.meta.offset_x, 0);
}

TEST(Geometric, CropThatMissesTheBoxRemovesItOrDropsTheSample) {
  // The box is at x in [30, 70); a 20 px wide crop can only miss it at x0 in [0, 10] or [70, 100].
  auto keep_empty = make("{type: RandomCrop, crop_size: [20, 80], allow_negative_crop: true}");
  auto drop_empty = make("{type: RandomCrop, crop_size: [20, 80]}");
  int missed = 0, dropped = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Sample a = box_sample(), b = box_sample();
    Rng r1(seed), r2(seed);
    ASSERT_TRUE(keep_empty->apply(a, r1));
    const bool kept = drop_empty->apply(b, r2);
    if (a.instances.size() == 0) {
      ++missed;
      EXPECT_FALSE(kept);
      ++dropped;
      EXPECT_EQ(a.image.sum().item<int64_t>(), 0);  // nothing of the box visible
    } else {
      EXPECT_TRUE(kept);
      auto bx = a.instances.boxes[0];
      EXPECT_GT((bx[2] - bx[0]).item<double>(), 0);
    }
  }
  EXPECT_GT(missed, 0);
  EXPECT_EQ(missed, dropped);
}

TEST(Geometric, EmptyImagesPassThroughEveryTransform) {
  const std::vector<std::string> configs = {"{type: Resize, scale: [64, 64]}", "{type: RandomFlip, prob: 1.0}",
                                            "{type: RandomCrop, crop_size: [50, 50]}", "{type: RandomSizeCrop, min_size: 10, max_size: 40}",
                                            "{type: LargeScaleJitter, output_size: 64}", "{type: Pad, size_divisor: 7}",
                                            "{type: PhotoMetricDistortion}", "{type: ColorJitter, brightness: 0.4, hue: 0.1}",
                                            "{type: FilterAnnotations, keep_empty: false}", "{type: PackDetInputs}"};
  Sample s = box_sample();
  s.instances = Instances::empty();
  Rng rng(3);
  for (const auto& cfg : configs) {
    ASSERT_TRUE(make(cfg)->apply(s, rng)) << cfg;
    EXPECT_EQ(s.instances.size(), 0) << cfg;
  }
  EXPECT_EQ(s.image.dim(), 3);
  EXPECT_EQ(s.image.size(0), 3);
}

TEST(Geometric, ResizeSizesFollowMmdetAndDetrRules) {
  Sample s = box_sample();  // 120 x 80
  Rng rng(0);
  make("{type: Resize, scale: [1333, 800]}")->apply(s, rng);
  EXPECT_EQ(s.meta.img_width, 1200);  // short side 80 -> 800 limits: factor 10
  EXPECT_EQ(s.meta.img_height, 800);
  Sample d = box_sample();
  make("{type: Resize, short_side: 800, max_size: 1000}")->apply(d, rng);
  EXPECT_EQ(d.meta.img_width, 1000);  // long side capped
  EXPECT_EQ(d.meta.img_height, 667);  // DETR: round(1000 * 80 / 120)
  EXPECT_NEAR(d.meta.scale_factor_w(), 1000.0 / 120, 1e-9);
  EXPECT_THROW(make("{type: Resize}"), Error);
  EXPECT_THROW(make("{type: Resize, scale: [10, 10], sacle_factor: 2}"), Error);
  EXPECT_THROW(make("{type: RandomFlip, direction: sideways}"), Error);
  EXPECT_THROW(make("{type: Pad, size: [10, 10]}")->apply(s, rng), Error);  // smaller than the image
}
