// Sample: one image with its instances, flowing Dataset -> Transforms -> collate.
// Batch: padded images, padding mask, per-image instances and metas.
#pragma once
#include <torch/types.h>

#include <vector>

#include "core/structures/image_meta.h"
#include "core/structures/segmentation.h"

namespace detseq {

// Boxes are xyxy in pixels of the current image; labels contiguous 0..C-1.
struct Instances {
  torch::Tensor boxes;   // float32 [N, 4]
  torch::Tensor labels;  // int64 [N]
  torch::Tensor ignore;  // bool [N]: crowd / ignore regions, never training targets
  // uint8 [N, H, W] instance masks (1 inside) at the image's current size, or undefined when
  // the pipeline did not ask for them (LoadAnnotations with_mask). Every geometric transform
  // moves them with the image; after collate they stay per image, top-left aligned like it.
  torch::Tensor masks;

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
  // Instance outlines as the dataset parsed them (parallel to instances), present only when the
  // dataset read segmentations; LoadAnnotations(with_mask) turns them into instances.masks.
  std::vector<Segmentation> segmentations;
  // Test-time augmentation (TestTimeAug): the augmented views of this image, each a whole sample;
  // empty otherwise. Collate turns the j-th views of a batch's images into Batch::views[j].
  std::vector<Sample> views;
};

struct Batch {
  torch::Tensor images;  // float32 [B, 3, H, W], zero- or value-padded to the largest image
  torch::Tensor masks;   // bool [B, H, W], true on padding (DETR convention)
  std::vector<Instances> instances;
  std::vector<ImageMeta> metas;
  // Test-time augmentation: views[j] batches every image's j-th view (same images, same order);
  // empty for an ordinary batch. A TTA model predicts each view and merges per image.
  std::vector<Batch> views;

  int64_t size() const { return static_cast<int64_t>(metas.size()); }
  Batch to(const torch::Device& device, bool non_blocking = false) const;
};

}  // namespace detseq
