// IoU of two xyxy boxes as mmdetection's numpy bbox_overlaps (mmdet/evaluation/functional): the
// union is clamped to eps = 1e-6, no +1 pixel. Shared by the confusion matrix and per-image mAP.
#pragma once
#include <algorithm>
#include <array>

namespace detseq::coco {

inline double bbox_overlap_xyxy(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  const double iw = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const double ih = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]));
  const double inter = iw * ih;
  const double uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return inter / std::max(uni, 1e-6);
}

// COCO's [x, y, w, h] as [x1, y1, x2, y2].
inline std::array<double, 4> xywh_to_xyxy(const std::array<double, 4>& b) { return {b[0], b[1], b[0] + b[2], b[1] + b[3]}; }

}  // namespace detseq::coco
