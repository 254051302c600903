// Per-image bookkeeping that travels with a sample through the pipeline, mmdetection style.
#pragma once
#include <cstdint>
#include <string>

namespace detseq {

struct ImageMeta {
  int64_t image_id = -1;        // dataset image id (COCO id; VOC/YOLO: index-based)
  int64_t sample_index = -1;    // index in the dataset
  std::string file_path;
  int64_t ori_height = 0, ori_width = 0;  // decoded image
  int64_t img_height = 0, img_width = 0;  // after geometric transforms, before padding
  int64_t pad_height = 0, pad_width = 0;  // after padding (the image tensor's size)

  // Affine map from original pixels to current pixels, per axis: x' = scale_x * x + offset_x.
  // Resize multiplies, crop shifts, a horizontal flip negates scale_x. Predictions are mapped back
  // to the original image with the inverse, whatever transforms ran.
  double scale_x = 1.0, scale_y = 1.0, offset_x = 0.0, offset_y = 0.0;
  bool flipped = false;  // horizontal flip was applied (for display)
  // Seed for model-side randomness of this sample, set by the data loader from
  // (seed, epoch, index, repeat); 0 when the sample did not come through a loader.
  uint64_t sample_seed = 0;
  // A repeat that pads a rank's share to an even distributed split (sampler round_up): trained on
  // like any sample, but left out of evaluation so no image counts twice.
  bool padding_repeat = false;

  // mmdetection's scale_factor: (w_scale, h_scale).
  double scale_factor_w() const { return scale_x < 0 ? -scale_x : scale_x; }
  double scale_factor_h() const { return scale_y; }

  // Composes a further map x'' = s * x' + o onto the current one.
  void compose_x(double s, double o) {
    scale_x *= s;
    offset_x = offset_x * s + o;
  }
  void compose_y(double s, double o) {
    scale_y *= s;
    offset_y = offset_y * s + o;
  }
};

}  // namespace detseq
