// DetVisualizer: writes one picture per image with its ground truth (left panel) and predictions
// with score >= score_thr (right panel), drawn on the ORIGINAL image file, so boxes are in
// original pixels whatever the test pipeline did. Used by DetVisualizationHook, `detseq test
// --show-dir` and `detseq infer` (predictions only).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/interfaces/data.h"
#include "core/structures/detections.h"
#include "core/visualization/draw.h"

namespace detseq::vis {

// Ground truth of each image as BoxSets in original pixels (xyxy, labels 0..C-1, crowd/ignore
// flags), from a dataset's COCO ground truth. Annotations of categories that are not classes
// are left out.
std::map<int64_t, BoxSet> ground_truth_by_image(const Dataset& dataset);

// Class names and palette from dataset metadata.
ClassStyle class_style(const DatasetMeta& meta);

class DetVisualizer {
 public:
  DetVisualizer(ClassStyle style, std::string out_dir, double score_thr, DrawOptions draw = {});

  // Draws `pred` (and `gt` when given) on the image file and writes <out_dir>/<file name>.
  // Returns the written path.
  std::string write(const std::string& image_path, const BoxSet* gt, const Detections& pred) const;
  // Same on an image already in memory (RGB), written as <out_dir>/<name>.
  std::string write(const cv::Mat& rgb, const std::string& name, const BoxSet* gt, const Detections& pred) const;

  // The picture write() saves, without saving it (RGB; e.g. for TensorBoard).
  cv::Mat draw(const cv::Mat& rgb, const BoxSet* gt, const Detections& pred) const;

  const std::string& out_dir() const { return out_dir_; }

 private:
  ClassStyle style_;
  std::string out_dir_;
  DrawOptions draw_;
};

}  // namespace detseq::vis
