// The detection confusion matrix of mmdetection's tools/analysis_tools/confusion_matrix.py, from
// COCO ground truth and a COCO results file. Rows are ground-truth classes, columns predicted
// classes, each with a last "background" entry:
//   - a prediction with score >= score_thr adds 1 to (gt class, predicted class) for every ground
//     truth box it overlaps with IoU >= tp_iou_thr, or to (background, predicted class) if none;
//   - a ground-truth box that no prediction of its own class overlapped adds 1 to (gt class,
//     background).
// Classes are the categories sorted by id; crowd boxes count as ground truth, as in mmdet.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/structures/coco_types.h"

namespace detseq::coco {

struct ConfusionOptions {
  double score_thr = 0.3;
  double tp_iou_thr = 0.5;
  std::optional<double> nms_iou_thr;  // per-class NMS on each image's predictions first
};

struct ConfusionMatrix {
  std::vector<std::string> labels;           // class names, then "background"
  std::vector<std::vector<int64_t>> counts;  // [labels.size()][labels.size()]
  // Each row as a percentage of its sum (a row without entries stays 0).
  std::vector<std::vector<double>> row_normalized() const;
  std::string to_csv() const;  // header "gt \ pred,<labels>", one row per label, raw counts
};

ConfusionMatrix confusion_matrix(const CocoGroundTruth& gt, const std::vector<CocoResult>& results,
                                 const ConfusionOptions& options);

}  // namespace detseq::coco
