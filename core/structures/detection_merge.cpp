#include "core/structures/detection_merge.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <map>
#include <numeric>

#include "core/evaluation/bbox_overlaps.h"
#include "core/interfaces/box_merge.h"
#include "core/util/error.h"

namespace detseq {
namespace {

using Box = std::array<double, 4>;

struct Candidate {
  Box box;
  double score;
  int64_t label;
};

double iou(const Box& a, const Box& b) { return coco::bbox_overlap_xyxy(a, b); }  // mmdet's rule, shared

// Every prediction's boxes in view order, checked to be one image's.
std::vector<Candidate> candidates(const std::vector<Detections>& predictions, double skip_below) {
  if (predictions.empty()) throw Error("merging detections: no predictions given");
  std::vector<Candidate> out;
  for (const Detections& d : predictions) {
    if (d.image_id != predictions.front().image_id) {
      throw Error("merging detections: predictions of images " + std::to_string(predictions.front().image_id) +
                  " and " + std::to_string(d.image_id) + " cannot be merged");
    }
    if (d.size() == 0) continue;
    const torch::Tensor boxes = d.boxes.to(torch::kCPU, torch::kDouble).contiguous();
    const torch::Tensor scores = d.scores.to(torch::kCPU, torch::kDouble).contiguous();
    const torch::Tensor labels = d.labels.to(torch::kCPU, torch::kLong).contiguous();
    const auto b = boxes.accessor<double, 2>();
    const auto s = scores.accessor<double, 1>();
    const auto l = labels.accessor<int64_t, 1>();
    for (int64_t i = 0; i < d.size(); ++i) {
      if (s[i] < skip_below) continue;
      out.push_back({{b[i][0], b[i][1], b[i][2], b[i][3]}, s[i], l[i]});
    }
  }
  return out;
}

// Best score first (stable: equal scores keep view order), at most max_per_img.
Detections to_detections(std::vector<Candidate> kept, int64_t image_id, int64_t max_per_img) {
  std::stable_sort(kept.begin(), kept.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  if (max_per_img >= 0 && static_cast<int64_t>(kept.size()) > max_per_img) kept.resize(max_per_img);
  const auto n = static_cast<int64_t>(kept.size());
  Detections out;
  out.image_id = image_id;
  out.boxes = torch::empty({n, 4}, torch::kFloat32);
  out.scores = torch::empty({n}, torch::kFloat32);
  out.labels = torch::empty({n}, torch::kLong);
  auto b = out.boxes.accessor<float, 2>();
  auto s = out.scores.accessor<float, 1>();
  auto l = out.labels.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) b[i][k] = static_cast<float>(kept[i].box[k]);
    s[i] = static_cast<float>(kept[i].score);
    l[i] = kept[i].label;
  }
  return out;
}

std::map<int64_t, std::vector<Candidate>> by_label_best_first(std::vector<Candidate> all) {
  std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::map<int64_t, std::vector<Candidate>> out;
  for (Candidate& c : all) out[c.label].push_back(std::move(c));
  return out;
}

}  // namespace

Detections merge_by_nms(const std::vector<Detections>& predictions, double iou_threshold, int64_t max_per_img) {
  std::vector<Candidate> kept;
  for (auto& [label, group] : by_label_best_first(candidates(predictions, -1.0))) {
    const size_t first = kept.size();
    for (const Candidate& c : group) {
      const bool suppressed = std::any_of(kept.begin() + first, kept.end(),
                                          [&](const Candidate& k) { return iou(c.box, k.box) > iou_threshold; });
      if (!suppressed) kept.push_back(c);
    }
  }
  return to_detections(std::move(kept), predictions.front().image_id, max_per_img);
}

Detections merge_by_wbf(const std::vector<Detections>& predictions, double iou_threshold, int64_t max_per_img,
                        double skip_box_thr) {
  const double views = static_cast<double>(predictions.size());
  std::vector<Candidate> fused_all;
  for (auto& [label, group] : by_label_best_first(candidates(predictions, skip_box_thr))) {
    struct Cluster {
      Candidate fused;
      double score_sum = 0;
      Box weighted{0, 0, 0, 0};  // sum of score * coordinate
      int64_t members = 0;
    };
    std::vector<Cluster> clusters;
    for (const Candidate& c : group) {
      // The fused box it overlaps most, above the threshold.
      Cluster* match = nullptr;
      double best = iou_threshold;
      for (Cluster& cl : clusters) {
        const double o = iou(c.box, cl.fused.box);
        if (o > best) best = o, match = &cl;
      }
      if (match == nullptr) {
        clusters.emplace_back();
        match = &clusters.back();
        match->fused.label = label;
      }
      match->score_sum += c.score;
      for (int k = 0; k < 4; ++k) match->weighted[k] += c.score * c.box[k];
      ++match->members;
      const double denom = match->score_sum > 0 ? match->score_sum : 1.0;
      for (int k = 0; k < 4; ++k) match->fused.box[k] = match->score_sum > 0 ? match->weighted[k] / denom : c.box[k];
      match->fused.score = match->score_sum / static_cast<double>(match->members);
    }
    for (Cluster& cl : clusters) {
      cl.fused.score *= std::min(views, static_cast<double>(cl.members)) / views;
      fused_all.push_back(cl.fused);
    }
  }
  return to_detections(std::move(fused_all), predictions.front().image_id, max_per_img);
}

}  // namespace detseq

// ---- the box_merge components ------------------------------------------------------------------
namespace detseq {
namespace {

struct NmsMergeOptions {
  double iou_threshold = 0.5;
  template <class V>
  void visit(V& v) {
    v("iou_threshold", iou_threshold, "a box of a class overlapping a better one of it by more is dropped")
        .range(0.0, 1.0);
  }
};

class NmsMerge : public BoxMerge {
 public:
  explicit NmsMerge(const NmsMergeOptions& o) : o_(o) {}
  Detections merge(const std::vector<Detections>& predictions, int64_t max_per_img) const override {
    return merge_by_nms(predictions, o_.iou_threshold, max_per_img);
  }

 private:
  NmsMergeOptions o_;
};

struct WbfMergeOptions {
  double iou_threshold = 0.55;
  double skip_box_thr = 0.0;
  template <class V>
  void visit(V& v) {
    v("iou_threshold", iou_threshold, "a box joins the fused box of its class it overlaps most by more than this")
        .range(0.0, 1.0);
    v("skip_box_thr", skip_box_thr, "boxes scored below this are dropped before fusing").range(0.0, 1.0);
  }
};

class WbfMerge : public BoxMerge {
 public:
  explicit WbfMerge(const WbfMergeOptions& o) : o_(o) {}
  Detections merge(const std::vector<Detections>& predictions, int64_t max_per_img) const override {
    return merge_by_wbf(predictions, o_.iou_threshold, max_per_img, o_.skip_box_thr);
  }

 private:
  WbfMergeOptions o_;
};

}  // namespace

DETSEQ_DEFINE_FAMILY(BoxMerge);
DETSEQ_REGISTER_AS(BoxMerge, NmsMerge, NmsMergeOptions, "nms", "class-aware NMS over the union (mmcv's batched_nms)");
DETSEQ_REGISTER_AS(BoxMerge, WbfMerge, WbfMergeOptions, "wbf",
                   "weighted box fusion: score-weighted mean of overlapping boxes (Solovyev et al. 2021)");

}  // namespace detseq
