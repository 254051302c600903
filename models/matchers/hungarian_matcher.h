// DETR's bipartite matching of predictions to targets: cost = cost_class * (-p(target class))
// + cost_bbox * L1(cxcywh) + cost_giou * (-GIoU), solved exactly by linear_sum_assignment.
#pragma once
#include <torch/types.h>

#include <utility>
#include <vector>

#include "core/interfaces/layers.h"

namespace detseq {

struct HungarianMatcherOptions {
  double cost_class = 1.0;
  double cost_bbox = 5.0;
  double cost_giou = 2.0;
  template <class V>
  void visit(V& v) {
    v("cost_class", cost_class, "weight of -softmax probability of the target class").non_negative();
    v("cost_bbox", cost_bbox, "weight of the L1 distance of normalised cxcywh boxes").non_negative();
    v("cost_giou", cost_giou, "weight of -GIoU").non_negative();
  }
};

class HungarianMatcher : public Matcher {
 public:
  explicit HungarianMatcher(const HungarianMatcherOptions& options = {});
  // One image: logits [Q, C+1], boxes [Q, 4] (cxcywh, normalised), target labels [T], target
  // boxes [T, 4] (cxcywh, normalised). Returns (query indices, target indices), int64 [min(Q, T)],
  // sorted by query.
  std::pair<torch::Tensor, torch::Tensor> match(const torch::Tensor& logits, const torch::Tensor& boxes,
                                                const torch::Tensor& labels, const torch::Tensor& target_boxes) const override;
  // The [Q, T] cost matrix used by match().
  torch::Tensor cost_matrix(const torch::Tensor& logits, const torch::Tensor& boxes, const torch::Tensor& labels,
                            const torch::Tensor& target_boxes) const;

 private:
  HungarianMatcherOptions options_;
};

}  // namespace detseq
