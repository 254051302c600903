// DetVisualizationHook (family `hook`), as mmdetection's: draws ground truth | predictions.
//  - validation: every `interval`-th batch, its first image, to <log_dir>/vis_data/vis_image/
//    as <name>_<iter>.jpg, and, PNG-encoded, to the run's visualizer backends that take images
//    (TensorboardVisBackend) as tag "val_img" at step iter + batch index (mmdet's);
//  - test: every image to `test_out_dir` (absolute, or relative to <log_dir>; default
//    <log_dir>/vis_data/test_images), named as the input file.
// Nothing is drawn unless `draw` is true (`detseq test --show-dir` turns it on).
// It lives with the tools so that the engine library never links OpenCV.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "core/engine/hook.h"
#include "core/engine/visualizer.h"
#include "core/visualization/det_visualizer.h"

namespace detseq {

struct DetVisualizationHookOptions {
  bool draw = false;
  int64_t interval = 50;
  double score_thr = 0.3;
  std::string test_out_dir;
  bool draw_gt = true;
  template <class V>
  void visit(V& v) {
    v("draw", draw, "draw at all (false: the hook does nothing)");
    v("interval", interval, "validation: draw every interval-th batch");
    v("score_thr", score_thr, "predictions below this score are not drawn");
    v("test_out_dir", test_out_dir, "test images folder (absolute, or relative to <work_dir>/<timestamp>)");
    v("draw_gt", draw_gt, "draw the ground truth panel beside the predictions");
  }
};

class DetVisualizationHook : public Hook {
 public:
  explicit DetVisualizationHook(const DetVisualizationHookOptions& o);
  DetVisualizationHookOptions& options() { return o_; }

  void before_val_epoch(Runner& r) override { prepare(r, false); }
  void before_test_epoch(Runner& r) override { prepare(r, true); }
  void after_val_iter(Runner& r, int64_t batch_idx, const Batch& batch, const std::vector<Detections>& dets) override;
  void after_test_iter(Runner& r, int64_t batch_idx, const Batch& batch, const std::vector<Detections>& dets) override;
  int64_t images_written() const { return written_; }

 private:
  void prepare(Runner& r, bool test);
  // Draws and saves image i of the batch as `name`; returns the drawn picture (RGB).
  cv::Mat draw_one(const Batch& batch, size_t i, const Detections& det, const std::string& name);

  DetVisualizationHookOptions o_;
  std::unique_ptr<vis::DetVisualizer> vis_;
  std::shared_ptr<Visualizer> run_vis_;  // the run's (shared with LoggerHook); validation only
  std::map<int64_t, vis::BoxSet> gt_;
  int64_t written_ = 0;
};

}  // namespace detseq
