// The `loss` family (mmdet's MODELS losses): a head's `loss_cls`, `loss_bbox`, `loss_iou` configs,
//
//   loss_cls: {type: CrossEntropyLoss, bg_cls_weight: 0.1, loss_weight: 1.0}
//   loss_bbox: {type: L1Loss, loss_weight: 5.0}
//   loss_iou: {type: GIoULoss, loss_weight: 2.0}
//
// Each returns its value already multiplied by `loss_weight`. Adding one is one file here: options
// with `loss_weight`, a class deriving from Loss, and DETSEQ_REGISTER(Loss, ...).
#pragma once
#include <torch/types.h>

#include <optional>
#include <string>

#include "core/registry/registry.h"

namespace detseq {

class Loss {
 public:
  virtual ~Loss() = default;
  // pred / target: classification logits [N, C] with int64 labels [N], or boxes [N, 4] with boxes
  // [N, 4] (the format each loss names). avg_factor divides the summed loss (DETR's number of
  // boxes over all processes); without it the loss averages as its torch counterpart does.
  virtual torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                                std::optional<double> avg_factor = std::nullopt) const = 0;
  virtual double loss_weight() const = 0;
};

// mmdet's rule: a head that normalises by its own avg_factor (DETR's number of boxes) needs
// reduction: mean; `sum` would be silently divided anyway. Throws detseq::Error naming `loss`.
void check_no_sum_with_avg_factor(const std::string& loss, const std::string& reduction);

DETSEQ_DECLARE_FAMILY(Loss, "loss",
                      "loss_cls / loss_bbox / loss_iou of a head: predictions + targets -> a weighted loss");

}  // namespace detseq
