#include "core/visualization/det_visualizer.h"

#include <torch/torch.h>

#include <filesystem>
#include <unordered_map>

namespace detseq::vis {

std::map<int64_t, BoxSet> ground_truth_by_image(const Dataset& dataset) {
  const CocoGroundTruth& gt = dataset.ground_truth();
  std::unordered_map<int64_t, int64_t> label_of;
  for (size_t l = 0; l < dataset.metainfo().classes.size(); ++l)
    label_of.emplace(dataset.label_to_category(static_cast<int64_t>(l)), static_cast<int64_t>(l));
  std::map<int64_t, std::vector<const CocoAnnotation*>> per_image;
  for (const CocoAnnotation& a : gt.annotations)
    if (label_of.count(a.category_id)) per_image[a.image_id].push_back(&a);
  std::map<int64_t, BoxSet> out;
  for (const CocoImage& im : gt.images) {
    const auto& anns = per_image[im.id];
    const int64_t n = anns.size();
    BoxSet s;
    s.boxes = torch::zeros({n, 4}, torch::kFloat);
    s.labels = torch::zeros({n}, torch::kLong);
    s.ignore = torch::zeros({n}, torch::kBool);
    auto b = s.boxes.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i) {
      const auto& bb = anns[i]->bbox;
      b[i][0] = bb[0], b[i][1] = bb[1], b[i][2] = bb[0] + bb[2], b[i][3] = bb[1] + bb[3];
      s.labels[i] = label_of.at(anns[i]->category_id);
      s.ignore[i] = anns[i]->iscrowd || anns[i]->ignore;
    }
    out.emplace(im.id, std::move(s));
  }
  return out;
}

ClassStyle class_style(const DatasetMeta& meta) { return {meta.classes, Palette(meta.palette)}; }

DetVisualizer::DetVisualizer(ClassStyle style, std::string out_dir, double score_thr, DrawOptions draw)
    : style_(std::move(style)), out_dir_(std::move(out_dir)), draw_(draw) {
  draw_.score_thr = score_thr;
}

std::string DetVisualizer::write(const std::string& image_path, const BoxSet* gt, const Detections& pred) const {
  return write(load_image(image_path), std::filesystem::path(image_path).filename().string(), gt, pred);
}

std::string DetVisualizer::write(const cv::Mat& rgb, const std::string& name, const BoxSet* gt,
                                 const Detections& pred) const {
  const std::string path = (std::filesystem::path(out_dir_) / name).string();
  save_image(path, draw(rgb, gt, pred));
  return path;
}

cv::Mat DetVisualizer::draw(const cv::Mat& rgb, const BoxSet* gt, const Detections& pred) const {
  const BoxSet p = BoxSet::from(pred);
  return draw_gt_and_predictions(rgb, gt, &p, style_, draw_);
}

}  // namespace detseq::vis
