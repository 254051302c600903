// The COCO error breakdown of cocoapi's analyze() as mmdetection's coco_error_analysis.py runs it:
// for each category and area range, precision-recall curves that add one kind of error back at a
// time, so the gap between two curves is what that error costs:
//   C75, C50  precision at IoU 0.75 and 0.50;
//   Loc       at IoU 0.10 (localisation errors forgiven);
//   Sim       IoU 0.10 with boxes of other classes of the same supercategory ignored;
//   Oth       IoU 0.10 with boxes of every other class ignored;
//   BG        1 wherever Oth is above 0 (background false positives forgiven);
//   FN        1 everywhere (missed boxes forgiven).
// Detections keep max 100 per image; empty cells (-1 in pycocotools) count as 0, as in mmdet.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/evaluation/coco_eval.h"

namespace detseq::coco {

constexpr int kErrorTypes = 7;
const std::vector<std::string>& error_type_names();  // C75, C50, Loc, Sim, Oth, BG, FN

struct ErrorBreakdown {
  std::vector<int64_t> cat_ids;                 // K, sorted
  std::vector<std::string> cat_names;           // K
  std::vector<AreaRange> area_ranges;           // A (all, small, medium, large)
  std::vector<double> rec_thrs;                 // R
  std::vector<double> precision;                // [7, R, K, A], -1 already replaced by 0
  double at(int type, int64_t r, int64_t k, int64_t a) const {
    return precision[((static_cast<size_t>(type) * rec_thrs.size() + r) * cat_ids.size() + k) * area_ranges.size() + a];
  }
  // The curve of one error type over recall for one category (k >= 0) or averaged over all (-1),
  // and its mean (the number in the legend).
  std::vector<double> curve(int type, int64_t k, int64_t a) const;
  double mean(int type, int64_t k, int64_t a) const;
};

// category id -> `supercategory` of an annotation file's categories ("" where absent); only the
// categories list is parsed (the rest of the file is skipped by the streaming reader).
std::map<int64_t, std::string> load_supercategories(const std::string& annotation_file);

// `supercategory`: category id -> supercategory name (categories without one share "").
ErrorBreakdown analyze_errors(const CocoGroundTruth& gt, const std::vector<CocoResult>& results,
                              const std::map<int64_t, std::string>& supercategory);

}  // namespace detseq::coco
