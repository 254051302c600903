// Instance masks move with the image: a bright triangle and its polygon (or RLE) outline go
// through every geometric transform, and the mask must keep covering the bright pixels.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"
#include "core/structures/segmentation.h"
#include "tests/test_util.h"

using namespace detseq;
using detseq::test::error_of;

namespace {

std::shared_ptr<Transform> make(const std::string& yaml) {
  return build<Transform>(parse_yaml_string(yaml, "<test>"), "pipeline.0");
}

// pycocotools' rleToString, to produce compressed strings for the decoder.
std::string encode_rle(const std::vector<uint32_t>& counts) {
  std::string s;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t x = counts[i];
    if (i > 2) x -= counts[i - 2];
    bool more = true;
    while (more) {
      int64_t c = x & 0x1f;
      x >>= 5;
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c |= 0x20;
      s += static_cast<char>(c + 48);
    }
  }
  return s;
}

// Column-major runs of a bitmap (h x w, row-major input).
std::vector<uint32_t> rle_of(const torch::Tensor& bitmap) {
  const torch::Tensor col = bitmap.t().contiguous().view(-1);
  std::vector<uint32_t> counts;
  uint8_t current = 0;
  uint32_t run = 0;
  for (int64_t i = 0; i < col.numel(); ++i) {
    const uint8_t v = col[i].item<uint8_t>();
    if (v != current) counts.push_back(run), run = 0, current = v;
    ++run;
  }
  counts.push_back(run);
  return counts;
}

// A 120x80 image, black but for a white right triangle with corners (30, 20), (90, 20), (30, 60).
Sample triangle_sample(bool rle) {
  Sample s;
  s.image = torch::zeros({80, 120, 3}, torch::kUInt8);
  torch::Tensor tri = torch::zeros({80, 120}, torch::kUInt8);
  for (int64_t y = 20; y < 60; ++y) tri.narrow(0, y, 1).narrow(1, 30, 60 - (y - 20) * 3 / 2).fill_(1);
  s.image.select(2, 0).copy_(tri * 255);
  s.instances.boxes = torch::tensor({30.f, 20.f, 90.f, 60.f}).view({1, 4});
  s.instances.labels = torch::tensor({int64_t(2)});
  s.instances.ignore = torch::tensor({false});
  Segmentation seg;
  if (rle) {
    seg.rle_counts = decode_rle_string(encode_rle(rle_of(tri)));
    seg.rle_height = 80, seg.rle_width = 120;
  } else {
    seg.polygons = {{30, 20, 90, 20, 30, 60}};
  }
  s.segmentations = {seg};
  auto& m = s.meta;
  m.ori_height = m.img_height = m.pad_height = 80;
  m.ori_width = m.img_width = m.pad_width = 120;
  return s;
}

// Intersection over union of mask 0 and the bright pixels of the image.
double mask_iou(const Sample& s) {
  const torch::Tensor bright = s.image.select(2, 0).gt(127);
  const torch::Tensor mask = s.instances.masks[0].to(torch::kBool);
  EXPECT_EQ(mask.sizes(), bright.sizes());
  const double inter = (bright & mask).sum().item<double>(), uni = (bright | mask).sum().item<double>();
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace

TEST(Masks, RleStringsDecodeLikePycocotools) {
  const std::vector<uint32_t> counts{5, 3, 100000, 1, 0, 77, 2};
  EXPECT_EQ(decode_rle_string(encode_rle(counts)), counts);
  EXPECT_NE(error_of([] { decode_rle_string("~~"); }).find("invalid character"), std::string::npos);
}

TEST(Masks, FollowTheImageThroughEveryGeometricTransform) {
  const std::vector<std::string> steps = {
      "{type: Resize, scale: [200, 150], keep_ratio: false}",
      "{type: Resize, scale_factor: 0.5}",
      "{type: RandomFlip, prob: 1.0}",
      "{type: RandomFlip, prob: 1.0, direction: vertical}",
      "{type: RandomCrop, crop_size: [90, 70]}",
      "{type: Pad, size: [160, 100]}",
      "{type: LargeScaleJitter, output_size: 100, min_scale: 0.8, max_scale: 1.5}",
  };
  for (bool rle : {false, true}) {
    for (const std::string& step : steps) {
      Sample s = triangle_sample(rle);
      Rng rng(3);
      make("{type: LoadAnnotations, with_mask: true}")->apply(s, rng);
      ASSERT_TRUE(s.instances.masks.defined());
      EXPECT_GT(mask_iou(s), 0.9) << "rasterised, rle " << rle;
      make(step)->apply(s, rng);
      if (s.instances.size() == 0) continue;  // cropped away: nothing to compare
      EXPECT_EQ(s.instances.masks.size(0), s.instances.size()) << step;
      EXPECT_GT(mask_iou(s), 0.85) << step << ", rle " << rle;
    }
  }
}

TEST(Masks, LoadAnnotationsAfterAResizeDrawsAtTheCurrentSize) {
  for (bool rle : {false, true}) {
    Sample s = triangle_sample(rle);
    Rng rng(0);
    make("{type: Resize, scale: [240, 160], keep_ratio: false}")->apply(s, rng);
    make("{type: LoadAnnotations, with_mask: true}")->apply(s, rng);
    EXPECT_EQ(s.instances.masks.sizes(), (std::vector<int64_t>{1, 160, 240}));
    EXPECT_GT(mask_iou(s), 0.85) << "rle " << rle;
  }
}

TEST(Masks, SelectionKeepsMasksInStepAndMissingOutlinesAreErrors) {
  Sample s = triangle_sample(false);
  s.instances.boxes = torch::tensor({{30.f, 20.f, 90.f, 60.f}, {0.f, 0.f, 10.f, 10.f}});
  s.instances.labels = torch::tensor({int64_t(2), int64_t(5)});
  s.instances.ignore = torch::tensor({false, true});
  s.segmentations.push_back(Segmentation{{{0, 0, 10, 0, 10, 10, 0, 10}}, {}, 0, 0});
  Rng rng(0);
  make("{type: LoadAnnotations, with_mask: true, with_crowd: false}")->apply(s, rng);
  ASSERT_EQ(s.instances.size(), 1);
  EXPECT_EQ(s.instances.masks.size(0), 1);
  EXPECT_GT(mask_iou(s), 0.9);  // the triangle's mask, not the crowd square's
  Sample bare = triangle_sample(false);
  bare.segmentations.clear();
  EXPECT_NE(error_of([&] { make("{type: LoadAnnotations, with_mask: true}")->apply(bare, rng); }).find("no instance outlines"),
            std::string::npos);
}
