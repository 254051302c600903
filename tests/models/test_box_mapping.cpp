// core/structures box mapping and padding-mask downsampling, shared by the pipelines and both heads.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/structures/box_mapping.h"
#include "core/structures/padding_mask.h"

namespace detseq {
namespace {

ImageMeta flipped_resize_meta() {
  // Original 100x50 image, resized by 2 then flipped horizontally in the 200x100 canvas:
  // x' = -2x + 200, y' = 2y.
  ImageMeta m;
  m.ori_width = 100, m.ori_height = 50;
  m.compose_x(2, 0), m.compose_y(2, 0);
  m.compose_x(-1, 200);
  return m;
}

TEST(BoxMapping, ForwardMapSwapsFlippedEdgesAndClips) {
  auto boxes = torch::tensor({{10.f, 5.f, 30.f, 20.f}, {90.f, 40.f, 120.f, 60.f}});
  auto out = map_boxes(boxes, AxisMap{-2, 200, 2, 0}, 200, 100);
  // x: 10 -> 180, 30 -> 140 (swapped); the second box leaves the canvas and is clipped.
  auto expected = torch::tensor({{140.f, 10.f, 180.f, 40.f}, {0.f, 80.f, 20.f, 100.f}});
  EXPECT_TRUE(torch::equal(out, expected)) << out;
}

TEST(BoxMapping, BoxesToOriginalInvertsTheMetaMapExactly) {
  const ImageMeta m = flipped_resize_meta();
  auto original = torch::tensor({{10.0, 5.0, 30.0, 20.0}}, torch::kFloat64);
  auto current = map_boxes(original, AxisMap{m.scale_x, m.offset_x, m.scale_y, m.offset_y});
  auto back = boxes_to_original(current, m, EdgeOrder::kSwapOnFlip, true);
  EXPECT_TRUE(torch::equal(back, original)) << back;
  EXPECT_EQ(back.scalar_type(), torch::kFloat64);
}

TEST(BoxMapping, SortedOrderRepairsReversedCornersAndClipsToTheOriginalSize) {
  const ImageMeta m = flipped_resize_meta();
  // A decoded box with x2 < x1 in current pixels, partly outside the original after the inverse.
  auto current = torch::tensor({{100.f, 10.f, 220.f, 120.f}});
  auto sorted = boxes_to_original(current, m, EdgeOrder::kSorted, true);
  // x: 100 -> 50, 220 -> -10; y: 10 -> 5, 120 -> 60 (clipped to 50, and x to 0).
  EXPECT_TRUE(torch::equal(sorted, torch::tensor({{0.f, 5.f, 50.f, 50.f}}))) << sorted;
  auto as_decoded = boxes_to_original(current, m, EdgeOrder::kSwapOnFlip, false);
  EXPECT_TRUE(torch::equal(as_decoded, torch::tensor({{-10.f, 5.f, 50.f, 60.f}}))) << as_decoded;
}

TEST(BoxMapping, ZeroScaleAndWrongShapesAreErrors) {
  ImageMeta m;
  m.scale_x = 0;
  EXPECT_THROW(boxes_to_original(torch::zeros({1, 4}), m, EdgeOrder::kSorted, true), std::exception);
  EXPECT_THROW(map_boxes(torch::zeros({1, 3}), AxisMap{}), std::exception);
}

TEST(PaddingMask, NearestDownsamplingPerImageAndAllFalseWithoutMasks) {
  auto masks = torch::zeros({2, 4, 8}, torch::kBool);
  masks[0].narrow(1, 4, 4).fill_(true);  // image 0: right half padded
  masks[1].narrow(0, 2, 2).fill_(true);  // image 1: bottom half padded
  auto small = downsample_padding_mask(masks, 2, 2, 4, torch::TensorOptions());
  ASSERT_EQ(small.sizes(), (std::vector<int64_t>{2, 2, 4}));
  EXPECT_EQ(small.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(small[0][0], torch::tensor({false, false, true, true})));
  EXPECT_TRUE(torch::equal(small[1].select(1, 0), torch::tensor({false, true})));
  auto none = downsample_padding_mask(torch::Tensor(), 3, 2, 2, torch::TensorOptions());
  EXPECT_EQ(none.sizes(), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_FALSE(none.any().item<bool>());
  EXPECT_THROW(downsample_padding_mask(masks, 3, 2, 4, torch::TensorOptions()), std::exception);
}

}  // namespace
}  // namespace detseq
