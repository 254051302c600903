#include "models/losses/set_criterion.h"

#include "core/dist/dist.h"
#include "core/util/error.h"
#include "core/structures/box_ops.h"

namespace detseq {

SetCriterion::SetCriterion(const SetCriterionOptions& cfg, std::shared_ptr<const Matcher> matcher)
    : options_(cfg), matcher_(std::move(matcher)) {
  if (!options_.loss_cls) options_.loss_cls = build<Loss>(ComponentCfg::of("CrossEntropyLoss").with("bg_cls_weight", 0.1));
  if (!options_.loss_bbox) options_.loss_bbox = build<Loss>(ComponentCfg::of("L1Loss").with("loss_weight", 5.0));
  if (!options_.loss_iou) options_.loss_iou = build<Loss>(ComponentCfg::of("GIoULoss").with("loss_weight", 2.0));
}

double SetCriterion::normaliser(const std::vector<SetTarget>& targets, const torch::Device& device) {
  double count = 0;
  for (const auto& t : targets) count += static_cast<double>(t.labels.numel());
  auto total = torch::tensor({count}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  if (dist::is_distributed()) dist::all_reduce_sum_(total);
  return std::max(total.item<double>() / dist::world_size(), 1.0);
}

LossDict SetCriterion::layer_losses(const torch::Tensor& logits, const torch::Tensor& boxes,
                                    const std::vector<SetTarget>& targets, double num_boxes) const {
  const int64_t b = logits.size(0), q = logits.size(1), c1 = logits.size(2);
  if (c1 != options_.num_classes + 1 || static_cast<int64_t>(targets.size()) != b) {
    throw Error("SetCriterion: logits " + c10::str(logits.sizes()) + " do not fit " + std::to_string(options_.num_classes) +
                " classes + no-object and " + std::to_string(targets.size()) + " targets");
  }
  const auto dev = logits.device();
  auto target_classes = torch::full({b, q}, options_.num_classes, torch::TensorOptions().dtype(torch::kLong).device(dev));
  std::vector<torch::Tensor> src_boxes, tgt_boxes;
  for (int64_t i = 0; i < b; ++i) {
    const auto& t = targets[i];
    auto [qi, ti] = matcher_->match(logits[i].detach(), boxes[i].detach(), t.labels, t.boxes);
    if (qi.numel() == 0) continue;
    qi = qi.to(dev);
    ti = ti.to(dev);
    target_classes[i].index_put_({qi}, t.labels.index_select(0, ti));
    src_boxes.push_back(boxes[i].index_select(0, qi));
    tgt_boxes.push_back(t.boxes.index_select(0, ti).to(boxes.dtype()));
  }
  LossDict out;
  out["loss_cls"] = options_.loss_cls->forward(logits.reshape({b * q, c1}), target_classes.reshape({b * q}));
  if (src_boxes.empty()) {
    // Still part of the graph so every parameter gets a (zero) gradient.
    out["loss_bbox"] = boxes.sum() * 0.0;
    out["loss_iou"] = boxes.sum() * 0.0;
    return out;
  }
  auto src = torch::cat(src_boxes), tgt = torch::cat(tgt_boxes);
  out["loss_bbox"] = options_.loss_bbox->forward(src, tgt, num_boxes);
  out["loss_iou"] = options_.loss_iou->forward(box_ops::cxcywh_to_xyxy(src), box_ops::cxcywh_to_xyxy(tgt), num_boxes);
  return out;
}

LossDict SetCriterion::operator()(const torch::Tensor& logits, const torch::Tensor& boxes,
                                  const std::vector<SetTarget>& targets) const {
  if (logits.dim() != 4 || boxes.dim() != 4) {
    throw Error("SetCriterion: expected logits [L, B, Q, C+1] and boxes [L, B, Q, 4], got " + c10::str(logits.sizes()) +
                " and " + c10::str(boxes.sizes()));
  }
  const double num_boxes = normaliser(targets, logits.device());
  const int64_t layers = logits.size(0);
  LossDict out = layer_losses(logits[layers - 1], boxes[layers - 1], targets, num_boxes);
  for (int64_t l = 0; l + 1 < layers; ++l) {
    for (auto& [name, value] : layer_losses(logits[l], boxes[l], targets, num_boxes)) {
      out["d" + std::to_string(l) + "." + name] = value;
    }
  }
  return out;
}

}  // namespace detseq
