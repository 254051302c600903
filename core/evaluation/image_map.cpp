#include "core/evaluation/image_map.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/evaluation/bbox_overlaps.h"
#include "core/util/error.h"

namespace detseq::coco {
namespace {

// mmdet's average_precision(mode='area'): precision envelope, area under the recall steps.
double area_ap(const std::vector<double>& recalls, const std::vector<double>& precisions) {
  std::vector<double> mrec{0.0}, mpre{0.0};
  mrec.insert(mrec.end(), recalls.begin(), recalls.end());
  mpre.insert(mpre.end(), precisions.begin(), precisions.end());
  mrec.push_back(1.0);
  mpre.push_back(0.0);
  for (size_t i = mpre.size() - 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
  double ap = 0;
  for (size_t i = 0; i + 1 < mrec.size(); ++i)
    if (mrec[i + 1] != mrec[i]) ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
  return ap;
}

}  // namespace

double image_map_at(const std::vector<std::vector<std::array<double, 4>>>& gt,
                    const std::vector<std::vector<ScoredBox>>& dets, double iou_thr) {
  if (gt.size() != dets.size()) throw Error("image_map: ground truth and detections have different class counts");
  const double eps = std::numeric_limits<float>::epsilon();  // mmdet: np.finfo(np.float32).eps
  double sum = 0;
  int64_t classes_with_gt = 0;
  for (size_t c = 0; c < gt.size(); ++c) {
    const auto& g = gt[c];
    const auto& d = dets[c];
    if (g.empty()) continue;  // left out of the mean; its detections only matter to other classes
    ++classes_with_gt;
    std::vector<size_t> order(d.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return d[a].score > d[b].score; });
    std::vector<bool> covered(g.size(), false);
    double tp = 0, fp = 0;
    std::vector<double> recalls, precisions;
    for (size_t i : order) {
      // The best-overlapping box, covered or not (tpfp_default's ious.argmax).
      double best = -1;
      size_t arg = 0;
      for (size_t j = 0; j < g.size(); ++j) {
        const double v = bbox_overlap_xyxy(d[i].xyxy, g[j]);
        if (v > best) best = v, arg = j;
      }
      if (best >= iou_thr && !covered[arg]) {
        covered[arg] = true;
        tp += 1;
      } else {
        fp += 1;
      }
      recalls.push_back(tp / std::max(static_cast<double>(g.size()), eps));
      precisions.push_back(tp / std::max(tp + fp, eps));
    }
    sum += area_ap(recalls, precisions);
  }
  return classes_with_gt == 0 ? 0.0 : sum / static_cast<double>(classes_with_gt);
}

double image_map(const std::vector<std::vector<std::array<double, 4>>>& gt,
                 const std::vector<std::vector<ScoredBox>>& dets) {
  // np.linspace(.5, .95, 10) exactly: k * step + start, the last one the end point.
  const double step = (0.95 - 0.5) / 9;
  double sum = 0;
  for (int k = 0; k < 10; ++k) sum += image_map_at(gt, dets, k == 9 ? 0.95 : k * step + 0.5);
  return sum / 10.0;
}

}  // namespace detseq::coco
