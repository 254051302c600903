#include "models/matchers/hungarian_matcher.h"

#include "core/util/error.h"
#include "core/structures/box_ops.h"
#include "models/matchers/linear_assignment.h"

namespace detseq {

HungarianMatcher::HungarianMatcher(const HungarianMatcherOptions& options) : options_(options) {
  if (options.cost_class == 0 && options.cost_bbox == 0 && options.cost_giou == 0) {
    throw ConfigError("HungarianMatcher: all costs are 0; give at least one of cost_class, cost_bbox, cost_giou a weight");
  }
}

torch::Tensor HungarianMatcher::cost_matrix(const torch::Tensor& logits, const torch::Tensor& boxes,
                                            const torch::Tensor& labels, const torch::Tensor& target_boxes) const {
  torch::NoGradGuard no_grad;
  auto prob = logits.to(torch::kFloat).softmax(-1);
  auto out_boxes = boxes.to(torch::kFloat);
  auto tgt_boxes = target_boxes.to(torch::kFloat);
  auto cost_class = -prob.index_select(1, labels);
  auto cost_bbox = torch::cdist(out_boxes, tgt_boxes, 1);
  auto cost_giou = -box_ops::generalized_box_iou(box_ops::cxcywh_to_xyxy(out_boxes), box_ops::cxcywh_to_xyxy(tgt_boxes));
  return options_.cost_bbox * cost_bbox + options_.cost_class * cost_class + options_.cost_giou * cost_giou;
}

std::pair<torch::Tensor, torch::Tensor> HungarianMatcher::match(const torch::Tensor& logits, const torch::Tensor& boxes,
                                                                const torch::Tensor& labels,
                                                                const torch::Tensor& target_boxes) const {
  const auto long_cpu = torch::TensorOptions().dtype(torch::kLong);
  if (labels.numel() == 0) return {torch::empty({0}, long_cpu), torch::empty({0}, long_cpu)};
  auto cost = cost_matrix(logits, boxes, labels, target_boxes).to(torch::kCPU, torch::kDouble).contiguous();
  const int64_t q = cost.size(0), t = cost.size(1);
  std::vector<double> values(cost.data_ptr<double>(), cost.data_ptr<double>() + q * t);
  auto pairs = linear_sum_assignment(values, q, t);
  auto rows = torch::empty({static_cast<int64_t>(pairs.size())}, long_cpu);
  auto cols = torch::empty({static_cast<int64_t>(pairs.size())}, long_cpu);
  for (size_t i = 0; i < pairs.size(); ++i) {
    rows[i] = pairs[i].first;
    cols[i] = pairs[i].second;
  }
  return {rows, cols};
}

DETSEQ_REGISTER_AS(Matcher, HungarianMatcher, HungarianMatcherOptions, "HungarianMatcher",
                   "DETR's one-to-one matching: class, L1 and GIoU costs, exact linear assignment");

}  // namespace detseq
