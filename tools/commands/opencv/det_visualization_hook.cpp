#include "tools/commands/opencv/det_visualization_hook.h"

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "core/engine/runner.h"
#include "core/util/error.h"

namespace detseq {
namespace fs = std::filesystem;
namespace {

EncodedImage encode_png(const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", bgr, bytes)) throw Error("DetVisualizationHook: cannot PNG-encode the drawn image");
  EncodedImage out;
  out.height = rgb.rows;
  out.width = rgb.cols;
  out.channels = rgb.channels();
  out.png.assign(bytes.begin(), bytes.end());
  return out;
}

}  // namespace

DetVisualizationHook::DetVisualizationHook(const DetVisualizationHookOptions& o) : o_(o) {
  if (o_.interval <= 0) throw ConfigError("DetVisualizationHook: interval must be positive, got " + std::to_string(o_.interval));
}

void DetVisualizationHook::prepare(Runner& r, bool test) {
  vis_.reset();
  run_vis_.reset();
  gt_.clear();
  if (!o_.draw) return;
  if (!test) run_vis_ = Visualizer::of_run(r);
  Dataset& ds = test ? r.test_dataloader().dataset() : r.val_dataloader().dataset();
  std::string dir;
  if (test) {
    dir = o_.test_out_dir.empty() ? "vis_data/test_images" : o_.test_out_dir;
    if (fs::path(dir).is_relative()) dir = (fs::path(r.log_dir()) / dir).string();
  } else {
    dir = (fs::path(r.log_dir()) / "vis_data" / "vis_image").string();
  }
  vis_ = std::make_unique<vis::DetVisualizer>(vis::class_style(ds.metainfo()), dir, o_.score_thr);
  if (o_.draw_gt) gt_ = vis::ground_truth_by_image(ds);
}

cv::Mat DetVisualizationHook::draw_one(const Batch& batch, size_t i, const Detections& det, const std::string& name) {
  const ImageMeta& meta = batch.metas.at(i);
  const int64_t id = det.image_id >= 0 ? det.image_id : meta.image_id;
  const auto it = gt_.find(id);
  const vis::BoxSet* gt = it != gt_.end() ? &it->second : nullptr;
  cv::Mat drawn = vis_->draw(vis::load_image(meta.file_path), gt, det);
  vis::save_image((fs::path(vis_->out_dir()) / name).string(), drawn);
  ++written_;
  return drawn;
}

void DetVisualizationHook::after_val_iter(Runner& r, int64_t batch_idx, const Batch& batch,
                                          const std::vector<Detections>& dets) {
  if (!vis_ || dets.empty() || batch_idx % o_.interval != 0) return;
  const fs::path file(batch.metas.at(0).file_path);
  const cv::Mat drawn = draw_one(batch, 0, dets[0], file.stem().string() + "_" + std::to_string(r.iter()) + ".jpg");
  if (run_vis_ && run_vis_->takes_images()) run_vis_->add_image("val_img", encode_png(drawn), r.iter() + batch_idx);
}

void DetVisualizationHook::after_test_iter(Runner&, int64_t, const Batch& batch, const std::vector<Detections>& dets) {
  if (!vis_) return;
  for (size_t i = 0; i < dets.size() && i < batch.metas.size(); ++i)
    draw_one(batch, i, dets[i], fs::path(batch.metas[i].file_path).filename().string());
}

DETSEQ_REGISTER_AS(Hook, DetVisualizationHook, DetVisualizationHookOptions, "DetVisualizationHook",
                   "draw ground truth | predictions of val/test images (mmdetection's DetVisualizationHook)");

}  // namespace detseq
