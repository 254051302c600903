// Photometric transforms, Normalize / Pad order, FilterAnnotations, RandomChoice / RandomApply and
// PackDetInputs.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/compose.h"
#include "tests/test_util.h"

using namespace detseq;
using detseq::test::error_of;

namespace {

std::shared_ptr<Transform> make(const std::string& yaml) {
  return build<Transform>(parse_yaml_string(yaml, "<test>"), "pipeline.0");
}

Sample gradient_sample() {
  Sample s;
  s.image = torch::arange(0, 60 * 40 * 3).remainder(256).to(torch::kUInt8).view({40, 60, 3});
  s.instances.boxes = torch::tensor({{1.f, 1.f, 3.f, 3.f}, {10.f, 10.f, 40.f, 30.f}, {5.f, 5.f, 9.f, 30.f}});
  s.instances.labels = torch::tensor({int64_t(0), int64_t(1), int64_t(2)});
  s.instances.ignore = torch::tensor({false, false, true});
  s.meta.img_height = s.meta.pad_height = 40;
  s.meta.img_width = s.meta.pad_width = 60;
  return s;
}

}  // namespace

TEST(Photometric, NormalizeThenPadUsesNormalisedPadValue) {
  Sample s = gradient_sample();
  Rng rng(0);
  make("{type: Normalize, mean: [0, 0, 0], std: [255, 255, 255]}")->apply(s, rng);
  EXPECT_EQ(s.image.scalar_type(), torch::kFloat32);
  EXPECT_LE(s.image.max().item<float>(), 1.0f);
  make("{type: Pad, size: [64, 64], pad_val: 0.3}")->apply(s, rng);
  EXPECT_FLOAT_EQ(s.image[63][63][1].item<float>(), 0.3f);
  EXPECT_EQ(s.meta.img_width, 60);
  EXPECT_EQ(s.meta.pad_width, 64);
  make("{type: PackDetInputs}")->apply(s, rng);
  EXPECT_EQ(s.image.sizes(), (std::vector<int64_t>{3, 64, 64}));
}

TEST(Photometric, ColourTransformsAreSeededAndChangeOnlyPixels) {
  for (const std::string cfg : {"{type: ColorJitter, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1}",
                                "{type: PhotoMetricDistortion}"}) {
    auto t = make(cfg);
    Sample a = gradient_sample(), b = gradient_sample(), c = gradient_sample();
    Rng r1(11), r2(11), r3(12);
    t->apply(a, r1), t->apply(b, r2), t->apply(c, r3);
    EXPECT_TRUE(torch::equal(a.image, b.image)) << cfg;
    EXPECT_FALSE(torch::equal(a.image, gradient_sample().image)) << cfg;
    EXPECT_EQ(a.image.scalar_type(), torch::kUInt8);
    EXPECT_TRUE(torch::equal(a.instances.boxes, gradient_sample().instances.boxes));
  }
  // Hue by a full turn is the identity (up to HSV round-off).
  Sample h = gradient_sample();
  Rng rng(0);
  make("{type: ColorJitter, hue: 0.0}")->apply(h, rng);
  EXPECT_TRUE(torch::equal(h.image, gradient_sample().image));
  EXPECT_THROW(make("{type: ColorJitter, hue: 0.7}"), Error);
  // Declared rules name the key.
  auto error_of = [&](const std::string& cfg) {
    try {
      make(cfg);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(error_of("{type: ColorJitter, brightness: -0.1}").find("brightness"), std::string::npos);
  EXPECT_NE(error_of("{type: ColorJitter, hue: 0.7}").find("expected a value in [0, 0.5], got 0.7"), std::string::npos);
  EXPECT_NE(error_of("{type: PhotoMetricDistortion, contrast_range: [-1, 1]}").find("contrast_range.0"),
            std::string::npos);
  EXPECT_NE(error_of("{type: PhotoMetricDistortion, hue_delta: 200}").find("hue_delta"), std::string::npos);
  EXPECT_NE(error_of("{type: PhotoMetricDistortion, saturation_range: [1.5, 0.5]}").find("lo <= hi"),
            std::string::npos);
}

TEST(Formatting, FilterAnnotationsRemovesSmallBoxesAndEmptySamples) {
  Sample s = gradient_sample();
  Rng rng(0);
  ASSERT_TRUE(make("{type: FilterAnnotations, min_gt_bbox_wh: [5, 5]}")->apply(s, rng));
  EXPECT_EQ(s.instances.size(), 1);  // the 2x2 and the 4-wide (crowd) box are gone
  Sample t = gradient_sample();
  EXPECT_FALSE(make("{type: FilterAnnotations, min_gt_bbox_wh: [100, 100]}")->apply(t, rng));
  Sample u = gradient_sample();
  EXPECT_TRUE(make("{type: FilterAnnotations, min_gt_bbox_wh: [100, 100], keep_empty: false}")->apply(u, rng));
  // Only a crowd box left counts as empty.
  Sample v = gradient_sample();
  EXPECT_FALSE(make("{type: FilterAnnotations, min_gt_bbox_wh: [3, 21]}")->apply(v, rng) &&
               v.instances.targets().size() == 0);
}

TEST(Formatting, LoadAnnotationsSelectsAndChecks) {
  Sample s = gradient_sample();
  Rng rng(0);
  make("{type: LoadAnnotations, with_crowd: false}")->apply(s, rng);
  EXPECT_EQ(s.instances.size(), 2);
  make("{type: LoadAnnotations, with_bbox: false, with_label: false}")->apply(s, rng);
  EXPECT_EQ(s.instances.size(), 0);
  Sample w = gradient_sample();
  w.instances.boxes[1][2] = 90.f;  // beyond the 60 px wide image
  EXPECT_THROW(make("{type: LoadAnnotations}")->apply(w, rng), Error);
  EXPECT_THROW(make("{type: LoadAnnotations, with_label: false}"), Error);
}

TEST(Formatting, RandomChoiceAndRandomApply) {
  auto choice = make(
      "{type: RandomChoice, transforms: [[{type: Resize, scale: [30, 20], keep_ratio: false}], "
      "[{type: Resize, scale: [120, 80], keep_ratio: false}, {type: RandomFlip, prob: 1.0}]], prob: [0.5, 0.5]}");
  int small = 0, big = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Sample s = gradient_sample();
    Rng rng(seed);
    choice->apply(s, rng);
    if (s.meta.img_width == 30) {
      ++small;
      EXPECT_FALSE(s.meta.flipped);
    }
    if (s.meta.img_width == 120) {
      ++big;
      EXPECT_TRUE(s.meta.flipped);
    }
  }
  EXPECT_EQ(small + big, 40);
  EXPECT_GT(small, 5);
  EXPECT_GT(big, 5);
  auto never = make("{type: RandomApply, prob: 0.0, transforms: [{type: RandomFlip, prob: 1.0}]}");
  auto always = make("{type: RandomApply, prob: 1.0, transforms: [{type: RandomFlip, prob: 1.0}]}");
  Sample a = gradient_sample(), b = gradient_sample();
  Rng rng(1);
  never->apply(a, rng), always->apply(b, rng);
  EXPECT_FALSE(a.meta.flipped);
  EXPECT_TRUE(b.meta.flipped);
  // Nested build errors name the nested path.
  try {
    make("{type: RandomApply, transforms: [{type: Rezise}]}");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pipeline.0.transforms.0"), std::string::npos) << e.what();
  }
}

TEST(Photometric, PadValueIsANumberPerChannelOrMmdetDict) {
  Rng rng(0);
  auto corner = [&](const std::string& pad_val) {
    Sample s = gradient_sample();
    make("{type: Pad, size: [64, 64], pad_val: " + pad_val + "}")->apply(s, rng);
    return std::vector<int64_t>{s.image[63][63][0].item<int64_t>(), s.image[63][63][1].item<int64_t>(),
                                s.image[63][63][2].item<int64_t>()};
  };
  EXPECT_EQ(corner("114"), (std::vector<int64_t>{114, 114, 114}));
  EXPECT_EQ(corner("[1, 2, 3]"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(corner("{img: [4, 5, 6], seg: 255}"), (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(corner("{img: 7}"), (std::vector<int64_t>{7, 7, 7}));
  EXPECT_NE(error_of([] { make("{type: Pad, size: [64, 64], pad_val: [1, 2]}"); }).find("expected one number or 3"),
            std::string::npos);
  EXPECT_NE(error_of([] { make("{type: Pad, size: [64, 64], pad_val: {seg: 255}}"); }).find("needs an 'img' value"),
            std::string::npos);
}

TEST(Photometric, NormalizeAndPackMatchTheTorchFormula) {
  Sample s = gradient_sample();
  const torch::Tensor mean = torch::tensor({123.675, 116.28, 103.53}), std = torch::tensor({58.395, 57.12, 57.375});
  const torch::Tensor expected = ((s.image.to(torch::kDouble) - mean) / std).permute({2, 0, 1}).to(torch::kFloat32);
  Rng rng(0);
  make("{type: Normalize}")->apply(s, rng);
  make("{type: PackDetInputs}")->apply(s, rng);
  ASSERT_EQ(s.image.sizes(), expected.sizes());
  EXPECT_TRUE(s.image.is_contiguous());
  EXPECT_TRUE(torch::allclose(s.image, expected, 1e-5, 1e-5));
  // Packing a uint8 image (no Normalize) keeps 0..255 values.
  Sample raw = gradient_sample();
  make("{type: PackDetInputs}")->apply(raw, rng);
  EXPECT_TRUE(torch::equal(raw.image, gradient_sample().image.permute({2, 0, 1}).to(torch::kFloat32)));
}
