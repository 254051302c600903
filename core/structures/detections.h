// Detections: what Detector::predict returns per image, in ORIGINAL image pixels.
#pragma once
#include <torch/types.h>

#include <cstdint>

namespace detseq {

struct Detections {
  int64_t image_id = -1;
  torch::Tensor boxes;   // float32 [K, 4] xyxy, original image pixels
  torch::Tensor scores;  // float32 [K]
  torch::Tensor labels;  // int64 [K], contiguous 0..C-1

  int64_t size() const { return boxes.defined() ? boxes.size(0) : 0; }
};

}  // namespace detseq
