// Drawing detections and ground truth on images (OpenCV; only in detseq_visualization).
//
// Images are RGB everywhere in detseq: cv::Mat CV_8UC3 holding R,G,B (not OpenCV's usual BGR) or
// a uint8 [H, W, 3] RGB tensor. save_image converts to BGR only when writing the file.
//
// Styles (see docs/evaluation.md):
//  - every box is a rectangle in its class colour with a filled label box above it (inside the
//    image when the box touches the top edge) holding "name" (ground truth) or "name 0.87"
//    (prediction), the text black or white, whichever contrasts with the label box;
//  - ground truth vs predictions: draw_gt_and_predictions puts them side by side, ground truth
//    left, predictions with score >= score_thr right; crowd / ignored ground truth is drawn
//    with a thin line and the label "name (crowd)".
#pragma once
#include <torch/types.h>

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "core/structures/detections.h"
#include "core/structures/sample.h"
#include "core/visualization/palette.h"

namespace detseq::vis {

struct DrawOptions {
  int thickness = 0;          // box line width in px; 0 = from the image size (>= 1)
  double font_scale = 0;      // OpenCV font scale; 0 = from the image size
  double score_thr = 0.0;     // boxes with a score below this are not drawn
  bool show_labels = true;    // draw the label boxes (class name / score)
};

// What to draw: boxes [K, 4] xyxy float (pixels of the image drawn on), labels [K] int64,
// scores [K] float or undefined (ground truth), ignore [K] bool or undefined, instance masks
// [K, h, w] uint8 or undefined (blended in the class colour; h, w at most the image's).
struct BoxSet {
  torch::Tensor boxes, labels, scores, ignore, masks;
  static BoxSet from(const Instances& gt) { return {gt.boxes, gt.labels, {}, gt.ignore, gt.masks}; }
  static BoxSet from(const Detections& d) { return {d.boxes, d.labels, d.scores, {}, {}}; }
};

// Class names + palette, usually from DatasetMeta. A label without a name prints as its number.
struct ClassStyle {
  std::vector<std::string> classes;
  Palette palette;
  std::string name(int64_t label) const;
};

// Copies a uint8 [H, W, 3] RGB tensor (any device/contiguity) into a cv::Mat, and back.
cv::Mat tensor_to_mat(const torch::Tensor& image);
torch::Tensor mat_to_tensor(const cv::Mat& rgb);

// Draws `set` on `rgb` in place.
void draw_boxes(cv::Mat& rgb, const BoxSet& set, const ClassStyle& style, const DrawOptions& options = {});

// Side-by-side panel: ground truth left, predictions (score >= options.score_thr) right. Either
// may be empty (undefined or zero boxes); with no ground truth given the result is one panel.
cv::Mat draw_gt_and_predictions(const cv::Mat& rgb, const BoxSet* gt, const BoxSet* pred,
                                const ClassStyle& style, const DrawOptions& options = {});

// Writes an RGB image (format from the extension: .png, .jpg, ...), creating parent folders.
// Throws detseq::Error when the file cannot be written.
void save_image(const std::string& path, const cv::Mat& rgb);
// Reads an image file as RGB; throws detseq::Error when it cannot be decoded.
cv::Mat load_image(const std::string& path);

}  // namespace detseq::vis
