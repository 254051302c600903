// CocoMetric (family `metric`): mmdetection's COCO bbox metric on the C++ evaluator.
//
//   test_evaluator: {type: CocoMetric, classwise: true, outfile_prefix: work_dirs/x/results}
//
// process() stores each detection as a COCO result (original pixels, xyxy -> xywh, label ->
// category id through the dataset); compute() evaluates against the dataset's ground truth (or
// `ann_file`) and returns "<prefix>/bbox_mAP", "<prefix>/bbox_mAP_50", ... (metric_items).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/evaluation/coco_eval.h"
#include "core/interfaces/metric.h"

namespace detseq {

struct CocoMetricOptions {
  std::string ann_file;       // evaluate against this annotation file instead of the dataset's
  std::string metric = "bbox";
  bool classwise = false;
  std::vector<double> iou_thrs;               // empty: 0.50:0.05:0.95
  std::vector<int64_t> max_dets{1, 10, 100};  // mmdetection's proposal convention: [100, 300, 1000]
  std::vector<std::string> metric_items;      // empty: mAP mAP_50 mAP_75 mAP_s mAP_m mAP_l
  bool format_only = false;
  std::string outfile_prefix;
  std::string prefix = "coco";
  bool use_ignore_flag = false;

  template <class V>
  void visit(V& v) {
    v("ann_file", ann_file, "COCO annotation file to evaluate against (default: the dataset's ground truth)");
    v("metric", metric, "only 'bbox' is supported");
    v("classwise", classwise, "log a per-category table (AP, AP50, AP75, APs/m/l)");
    v("iou_thrs", iou_thrs, "IoU thresholds (empty: 0.50:0.05:0.95)");
    v("max_dets", max_dets, "three max-detections values: [1, 10, 100] (pycocotools) or [100, 300, 1000] (mmdet proposals)");
    v("metric_items", metric_items, "scores to return: mAP, mAP_50, mAP_75, mAP_s, mAP_m, mAP_l, AR@<n>, AR_s@<n>, ...");
    v("format_only", format_only, "only write the results JSON (outfile_prefix), no evaluation");
    v("outfile_prefix", outfile_prefix, "write detections to <outfile_prefix>.bbox.json");
    v("prefix", prefix, "prefix of the returned score names");
    v("use_ignore_flag", use_ignore_flag, "also ignore ground truth with ignore=1 (pycocotools uses iscrowd only)");
  }
};

class CocoMetric : public Metric {
 public:
  explicit CocoMetric(const CocoMetricOptions& options);

  void reset(const Dataset& dataset) override;
  void process(const Batch& batch, const std::vector<Detections>& detections) override;
  std::string serialize_results() const override;
  void merge_results(const std::string& bytes) override;
  std::map<std::string, double> compute() override;

  const std::vector<CocoResult>& results() const { return results_; }
  // The last compute()'s evaluation (e.g. for a classwise table in tools).
  const coco::EvalResult* last_result() const { return last_.get(); }

 private:
  CocoMetricOptions o_;
  const Dataset* dataset_ = nullptr;
  std::shared_ptr<CocoGroundTruth> own_gt_;  // from ann_file
  std::vector<CocoResult> results_;
  std::unique_ptr<coco::EvalResult> last_;
};

// Detections (xyxy, original pixels, labels 0..C-1) -> COCO results (xywh, category ids).
std::vector<CocoResult> to_coco_results(const Detections& detections, const Dataset& dataset);

}  // namespace detseq
