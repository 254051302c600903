// pycocotools' summarize(): the 12 standard statistics with its printed lines, mmdetection's
// metric names for them, and the per-class table (mmdetection's `classwise`).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/evaluation/coco_eval.h"

namespace detseq::coco {

struct SummaryStat {
  bool is_ap = true;        // Average Precision, else Average Recall
  double iou = -1;          // -1: averaged over all thresholds
  std::string area = "all";
  int64_t max_dets = 100;
  double value = -1;        // -1 when no cell had ground truth
  std::string name;         // mmdetection's name: mAP, mAP_50, ..., AR@100, AR_s@1000, ...
};

// The 12 statistics in pycocotools' order. AP uses 100 detections when max_dets holds 100 (as
// pycocotools) and max_dets.back() otherwise; the others use max_dets[0..2]. max_dets must have
// three values (pycocotools' [1, 10, 100] or mmdetection's proposal [100, 300, 1000]).
std::vector<SummaryStat> summarize(const EvalResult& result);
std::vector<double> stats_values(const std::vector<SummaryStat>& stats);
// The line pycocotools prints, e.g. " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505".
std::string summary_line(const EvalResult& result, const SummaryStat& stat);
std::string summary_text(const EvalResult& result, const std::vector<SummaryStat>& stats);

// Mean of precision over IoU thresholds `t` (all when -1), recall points, category k, area a and
// the last max_dets, ignoring -1 cells; NaN when every cell is -1.
struct ClasswiseRow {
  int64_t category_id = 0;
  std::string name;
  double ap = 0, ap50 = 0, ap75 = 0, ap_s = 0, ap_m = 0, ap_l = 0;
};
std::vector<ClasswiseRow> classwise(const EvalResult& result, const std::map<int64_t, std::string>& names);
// An aligned text table (values to 3 decimals, "nan" where a class has no ground truth).
std::string classwise_table(const std::vector<ClasswiseRow>& rows);

}  // namespace detseq::coco
