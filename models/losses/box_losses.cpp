// Box regression losses: L1 on normalised cxcywh boxes and 1 - GIoU on xyxy boxes (DETR's pair).
#include "core/util/error.h"
#include "core/structures/box_ops.h"
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

void check_boxes(const char* name, const torch::Tensor& pred, const torch::Tensor& target) {
  if (pred.dim() != 2 || pred.size(-1) != 4 || !pred.sizes().equals(target.sizes()))
    throw Error(std::string(name) + ": expected boxes [N, 4] and [N, 4], got " + c10::str(pred.sizes()) + " and " +
                c10::str(target.sizes()));
}

// The per-element (L1) or per-box (GIoU) loss of one kind of box loss.
struct L1Kernel {
  static constexpr const char* name = "L1Loss";
  static torch::Tensor per_item(const torch::Tensor& pred, const torch::Tensor& target) { return (pred - target).abs(); }
};
// Boxes in xyxy; the head converts (DETR regresses cxcywh).
struct GIoUKernel {
  static constexpr const char* name = "GIoULoss";
  static torch::Tensor per_item(const torch::Tensor& pred, const torch::Tensor& target) {
    return 1 - box_ops::generalized_box_iou_aligned(pred, target);
  }
};

// Sums the kernel's losses over avg_factor when the head gives one, else averages or sums them.
template <class Options, class Kernel>
class BoxLoss : public Loss {
 public:
  explicit BoxLoss(const Options& o) : options_(o) {}
  double loss_weight() const override { return options_.loss_weight; }
  torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                        std::optional<double> avg_factor) const override {
    check_boxes(Kernel::name, pred, target);
    const torch::Tensor per_item = Kernel::per_item(pred, target);
    if (avg_factor) {
      check_no_sum_with_avg_factor(Kernel::name, options_.reduction);
      return options_.loss_weight * per_item.sum() / *avg_factor;
    }
    if (options_.reduction == "sum") return options_.loss_weight * per_item.sum();
    return options_.loss_weight * per_item.mean();
  }

 private:
  Options options_;
};
using L1Loss = BoxLoss<L1LossOptions, L1Kernel>;
using GIoULoss = BoxLoss<GIoULossOptions, GIoUKernel>;

}  // namespace

DETSEQ_REGISTER(Loss, L1Loss, L1LossOptions);
DETSEQ_REGISTER(Loss, GIoULoss, GIoULossOptions);

}  // namespace detseq
