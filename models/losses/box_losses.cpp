// Box regression losses: L1 on normalised cxcywh boxes and 1 - GIoU on xyxy boxes (DETR's pair).
#include "core/util/error.h"
#include "models/layers/box_ops.h"
#include "models/losses/loss.h"

namespace detseq {
namespace {

struct BoxLossOptions {
  std::string type;
  double loss_weight = 1.0;
  std::string reduction = "mean";
  template <class V>
  void visit(V& v) {
    v("type", type);
    v("loss_weight", loss_weight, "multiplier of the loss").non_negative();
    v("reduction", reduction, "mean (over elements, or sum / avg_factor when the head gives one); sum")
        .one_of({"mean", "sum"});
  }
};
struct L1LossOptions : BoxLossOptions {};
struct GIoULossOptions : BoxLossOptions {};

// Sums per-element (L1) or per-box (GIoU) losses and normalises them.
torch::Tensor reduce(const torch::Tensor& per_item, const BoxLossOptions& o, std::optional<double> avg_factor) {
  if (avg_factor) return o.loss_weight * per_item.sum() / *avg_factor;
  if (o.reduction == "sum") return o.loss_weight * per_item.sum();
  return o.loss_weight * per_item.mean();
}

void check_boxes(const char* name, const torch::Tensor& pred, const torch::Tensor& target) {
  if (pred.dim() != 2 || pred.size(-1) != 4 || !pred.sizes().equals(target.sizes()))
    throw Error(std::string(name) + ": expected boxes [N, 4] and [N, 4], got " + c10::str(pred.sizes()) + " and " +
                c10::str(target.sizes()));
}

class L1Loss : public Loss {
 public:
  explicit L1Loss(const L1LossOptions& o) : o_(o) {}
  double loss_weight() const override { return o_.loss_weight; }
  torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                        std::optional<double> avg_factor) const override {
    check_boxes("L1Loss", pred, target);
    return reduce((pred - target).abs(), o_, avg_factor);
  }

 private:
  L1LossOptions o_;
};

// Boxes in xyxy; the head converts (DETR regresses cxcywh).
class GIoULoss : public Loss {
 public:
  explicit GIoULoss(const GIoULossOptions& o) : o_(o) {}
  double loss_weight() const override { return o_.loss_weight; }
  torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                        std::optional<double> avg_factor) const override {
    check_boxes("GIoULoss", pred, target);
    return reduce(1 - box_ops::generalized_box_iou_aligned(pred, target), o_, avg_factor);
  }

 private:
  GIoULossOptions o_;
};

}  // namespace

DETSEQ_REGISTER(Loss, L1Loss, L1LossOptions);
DETSEQ_REGISTER(Loss, GIoULoss, GIoULossOptions);

}  // namespace detseq
