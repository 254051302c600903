// Sample: one image with its instances, flowing Dataset -> Transforms -> collate.
// Batch: padded images, padding mask, per-image instances and metas.
#pragma once
#include <torch/types.h>

#include <vector>

#include "core/structures/image_meta.h"

namespace detseq {

// Boxes are xyxy in pixels of the current image; labels contiguous 0..C-1.
struct Instances {
  torch::Tensor boxes;   // float32 [N, 4]
  torch::Tensor labels;  // int64 [N]
  torch::Tensor ignore;  // bool [N]: crowd / ignore regions, never training targets

  static Instances empty();
  int64_t size() const { return boxes.defined() ? boxes.size(0) : 0; }
  // Keeps the rows where `keep` (bool [N]) is true.
  Instances select(const torch::Tensor& keep) const;
  // The instances that are training targets (ignore == false).
  Instances targets() const;
  Instances to(const torch::Device& device, bool non_blocking = false) const;
};

struct Sample {
  // uint8 [H, W, 3] RGB while transforms run; float32 [3, H, W] after packing.
  torch::Tensor image;
  Instances instances;
  ImageMeta meta;
};

struct Batch {
  torch::Tensor images;  // float32 [B, 3, H, W], zero- or value-padded to the largest image
  torch::Tensor masks;   // bool [B, H, W], true on padding (DETR convention)
  std::vector<Instances> instances;
  std::vector<ImageMeta> metas;

  int64_t size() const { return static_cast<int64_t>(metas.size()); }
  Batch to(const torch::Device& device, bool non_blocking = false) const;
};

}  // namespace detseq
