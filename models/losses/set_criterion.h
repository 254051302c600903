// DETR's set loss: Hungarian matching per image, then (losses from the `loss` family)
//   loss_cls  = cross-entropy over every query (unmatched -> no-object class, weighted
//               `bg_cls_weight`), weighted mean as torch's CE with class weights;
//   loss_bbox = L1 of matched normalised cxcywh boxes / num_boxes;
//   loss_iou  = (1 - GIoU) of matched boxes (as xyxy) / num_boxes;
// each multiplied by its loss_weight. num_boxes = targets summed over all processes / world
// size, at least 1. Auxiliary decoder layers give d0.loss_cls, d0.loss_bbox, ... (mmdet names).
#pragma once
#include <torch/types.h>

#include <vector>

#include "core/interfaces/model.h"
#include "models/losses/loss.h"
#include "models/matchers/hungarian_matcher.h"

namespace detseq {

struct SetTarget {
  torch::Tensor labels;  // int64 [T]
  torch::Tensor boxes;   // float [T, 4] cxcywh normalised to [0, 1] by the (unpadded) image size
};

struct SetCriterionOptions {
  int64_t num_classes = 80;
  // Unset: DETR's CrossEntropyLoss {bg_cls_weight: 0.1}, L1Loss {loss_weight: 5}, GIoULoss {loss_weight: 2}.
  std::shared_ptr<const Loss> loss_cls, loss_bbox, loss_iou;
};

class SetCriterion {
 public:
  SetCriterion(const SetCriterionOptions& cfg, std::shared_ptr<const Matcher> matcher);
  // logits [L, B, Q, C+1], boxes [L, B, Q, 4] (sigmoid cxcywh): every decoder layer, last = final.
  LossDict operator()(const torch::Tensor& logits, const torch::Tensor& boxes,
                      const std::vector<SetTarget>& targets) const;
  // One layer's losses (unprefixed) with a given num_boxes.
  LossDict layer_losses(const torch::Tensor& logits, const torch::Tensor& boxes, const std::vector<SetTarget>& targets,
                        double num_boxes) const;
  // Number of target boxes averaged over processes, clamped to >= 1 (DETR's normaliser).
  static double normaliser(const std::vector<SetTarget>& targets, const torch::Device& device);

 private:
  SetCriterionOptions options_;
  std::shared_ptr<const Matcher> matcher_;
};

}  // namespace detseq
