// The padding mask (true = padded pixel) of a batch, at the resolution of a feature map.
#pragma once
#include <torch/types.h>

namespace detseq {

// masks [B, H, W] (bool, image resolution) -> [B, h, w] bool by nearest-neighbour sampling, as
// DETR and Pix2Seq do; an undefined `masks` (nothing padded) gives all-false of `options`' device.
torch::Tensor downsample_padding_mask(const torch::Tensor& masks, int64_t batch, int64_t h, int64_t w,
                                      const torch::TensorOptions& options);

}  // namespace detseq
