// Boxes between coordinate frames: the pipeline moves ground-truth boxes forward with each
// geometric transform (AxisMap), the heads map predictions back to original pixels with the
// inverse of the map the sample's meta accumulated. One place, so both sides agree.
#pragma once
#include <torch/types.h>

#include "core/structures/image_meta.h"

namespace detseq {

// Axis-aligned affine map x' = sx * x + ox, y' = sy * y + oy (a flip has a negative scale).
struct AxisMap {
  double sx = 1, ox = 0, sy = 1, oy = 0;
};

// Which corner is which after a map with a negative scale.
enum class EdgeOrder {
  kSwapOnFlip,  // swap x1/x2 (y1/y2) when the scale is negative: valid boxes stay valid
  kSorted,      // min/max of the two edges: also repairs boxes decoded with x2 < x1
};

// Applies `map` to xyxy boxes [N, 4] (computed in the boxes' dtype), then clips each coordinate to
// [0, clip_w] x [0, clip_h] when clip_w and clip_h are > 0.
torch::Tensor map_boxes(const torch::Tensor& xyxy, const AxisMap& map, double clip_w = 0, double clip_h = 0);

// Maps xyxy boxes [N, 4] in current (pipeline output) pixels back to the original image with the
// inverse of meta's original->current map, in the boxes' dtype; `clip` clamps them to the original
// size (ignored when the meta has none).
torch::Tensor boxes_to_original(const torch::Tensor& xyxy, const ImageMeta& meta, EdgeOrder order, bool clip);

}  // namespace detseq
