// The per-image score of mmdetection's analyze_results.py: its eval_map (mean_ap.py: greedy
// matching by score, "area" AP, classes without ground truth left out of the mean, 0 when the image
// has none) on one image, averaged over IoU thresholds 0.50, 0.55, ..., 0.95.
#pragma once
#include <array>
#include <vector>

namespace detseq::coco {

struct ScoredBox {
  std::array<double, 4> xyxy{};
  double score = 0;
};

// gt[c] / dets[c]: the boxes of class c (xyxy pixels); both indexed by the same classes.
double image_map_at(const std::vector<std::vector<std::array<double, 4>>>& gt,
                    const std::vector<std::vector<ScoredBox>>& dets, double iou_thr);
double image_map(const std::vector<std::vector<std::array<double, 4>>>& gt,
                 const std::vector<std::vector<ScoredBox>>& dets);

}  // namespace detseq::coco
