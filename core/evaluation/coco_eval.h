// COCO bounding-box evaluation with pycocotools' exact semantics (cocoeval.py, bbox iouType):
//  - IoU of a detection against a crowd ground truth uses the detection's area as the union;
//    crowd ground truth is ignored and may match any number of detections;
//  - size ranges use the ground truth's `area` field (not its box) and the detection's w*h;
//  - detections are ranked by score with a stable sort (numpy mergesort on -score), per image
//    only the top max_dets.back() are kept, across images ties keep image order;
//  - 101 recall points on the precision envelope, -1 for cells without ground truth, and
//    summarize()'s 12 statistics.
// One deliberate difference: a match is kept by index, so a ground truth whose annotation id is 0
// still counts as matched (pycocotools stores ids and reads 0 as "no match"); COCO files never
// use id 0.
// Evaluation runs per (category, image) and accumulation per (category, area) on TBB threads;
// results do not depend on the thread count.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/structures/coco_types.h"

namespace detseq::coco {

struct AreaRange {
  std::string label;  // "all", "small", "medium", "large"
  double lo = 0, hi = 0;
};

struct EvalParams {
  std::vector<double> iou_thrs = default_iou_thrs();  // T
  std::vector<double> rec_thrs = default_rec_thrs();  // R = 101
  std::vector<int64_t> max_dets{1, 10, 100};          // M, sorted ascending when evaluating
  std::vector<AreaRange> area_ranges = default_area_ranges();
  // pycocotools overwrites an annotation's `ignore` with its `iscrowd`; set this to also ignore
  // ground truth whose `ignore` flag is set (e.g. converted VOC "difficult" boxes).
  bool use_ignore_flag = false;
  // Categories and images to evaluate; empty = all in the ground truth (sorted, as pycocotools).
  std::vector<int64_t> cat_ids, img_ids;

  // numpy.linspace(.5, .95, 10) and numpy.linspace(0, 1, 101), bit for bit.
  static std::vector<double> linspace(double start, double stop, int num);
  static std::vector<double> default_iou_thrs() { return linspace(0.5, 0.95, 10); }
  static std::vector<double> default_rec_thrs() { return linspace(0.0, 1.0, 101); }
  static std::vector<AreaRange> default_area_ranges();
};

// Accumulated curves, indexed as pycocotools' eval['precision'] [T, R, K, A, M] and
// eval['recall'] [T, K, A, M]; -1 where a cell has no ground truth.
struct EvalResult {
  EvalParams params;  // as used (ids resolved, max_dets sorted)
  int64_t T = 0, R = 0, K = 0, A = 0, M = 0;
  std::vector<double> precision, recall;

  double& prec(int64_t t, int64_t r, int64_t k, int64_t a, int64_t m) {
    return precision[(((t * R + r) * K + k) * A + a) * M + m];
  }
  double prec(int64_t t, int64_t r, int64_t k, int64_t a, int64_t m) const {
    return precision[(((t * R + r) * K + k) * A + a) * M + m];
  }
  double& rec(int64_t t, int64_t k, int64_t a, int64_t m) { return recall[((t * K + k) * A + a) * M + m]; }
  double rec(int64_t t, int64_t k, int64_t a, int64_t m) const { return recall[((t * K + k) * A + a) * M + m]; }
};

// Evaluates `detections` against `gt`. Detections on images not in the ground truth are an error
// (as pycocotools' loadRes); detections of categories not evaluated are dropped.
EvalResult evaluate(const CocoGroundTruth& gt, const std::vector<CocoResult>& detections,
                    const EvalParams& params = {});

}  // namespace detseq::coco
