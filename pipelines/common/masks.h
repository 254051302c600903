// Instance masks (uint8 [N, H, W], 1 inside) for the pipeline: rasterising COCO outlines and the
// resize / pad steps that the geometric helpers apply to masks alongside the image.
#pragma once
#include <torch/types.h>

#include <vector>

#include "core/structures/sample.h"

namespace detseq::pipe {

// Draws `segs` at the image's current size (h, w). Polygon points go through the sample's
// original -> current affine map (meta), and RLE bitmaps are warped by it (nearest neighbour), so
// LoadAnnotations may run before or after geometric steps. Throws for an empty outline.
torch::Tensor rasterize_masks(const std::vector<Segmentation>& segs, const ImageMeta& meta, int64_t h, int64_t w);

// Nearest-neighbour resize of every mask to (new_h, new_w).
torch::Tensor resize_masks(const torch::Tensor& masks, int64_t new_w, int64_t new_h);

// Zero padding at the bottom/right up to (pad_h, pad_w).
torch::Tensor pad_masks(const torch::Tensor& masks, int64_t pad_w, int64_t pad_h);

}  // namespace detseq::pipe
