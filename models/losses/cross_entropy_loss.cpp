// Softmax cross-entropy (mmdet CrossEntropyLoss with use_sigmoid: false). For set prediction the
// last logit is the background ("no object") class, weighted `bg_cls_weight` (DETR's eos_coef).
#include <torch/nn/functional/loss.h>

#include "core/util/error.h"
#include "models/losses/loss.h"

namespace detseq {
namespace {

struct CrossEntropyLossOptions {
  std::string type;
  bool use_sigmoid = false;
  double loss_weight = 1.0;
  double bg_cls_weight = 1.0;
  ConfigNode class_weight;  // a number (every foreground class) or a list, as in mmdet
  std::string reduction = "mean";
  template <class V>
  void visit(V& v) {
    v("type", type);
    v("use_sigmoid", use_sigmoid, "false: softmax cross-entropy (the only kind here)");
    v("loss_weight", loss_weight, "multiplier of the loss").non_negative();
    v("bg_cls_weight", bg_cls_weight, "weight of the last (background / no-object) class; DETR 0.1").non_negative();
    v("class_weight", class_weight, "weight of every foreground class (a number) or of each (a list)");
    v("reduction", reduction, "mean: weighted mean as torch.nn.CrossEntropyLoss; sum").one_of({"mean", "sum"});
  }
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(const CrossEntropyLossOptions& o) : options_(o) {
    if (options_.use_sigmoid)
      throw ConfigError("use_sigmoid: true (sigmoid / focal classification) is not implemented; use false");
    if (options_.class_weight.is_scalar()) {
      uniform_weight_ = options_.class_weight.as<double>("class_weight");
    } else if (options_.class_weight.is_sequence()) {
      class_weight_ = options_.class_weight.as<std::vector<double>>("class_weight");
    } else if (!options_.class_weight.is_null()) {
      throw ConfigError(describe_location("class_weight", options_.class_weight) + ": expected a number or a list");
    }
    for (double w : class_weight_) {
      if (!(w >= 0)) throw ConfigError("class_weight: weights must be >= 0");
    }
    if (uniform_weight_ < 0) throw ConfigError("class_weight: weights must be >= 0");
  }
  double loss_weight() const override { return options_.loss_weight; }

  torch::Tensor forward(const torch::Tensor& logits, const torch::Tensor& labels,
                        std::optional<double> avg_factor) const override {
    const int64_t c = logits.size(-1);
    auto weight = torch::full({c}, uniform_weight_, logits.options());
    if (!class_weight_.empty()) {
      if (static_cast<int64_t>(class_weight_.size()) != c - 1)
        throw Error("CrossEntropyLoss: class_weight has " + std::to_string(class_weight_.size()) + " values for " +
                    std::to_string(c - 1) + " foreground classes (+ background)");
      weight.narrow(0, 0, c - 1).copy_(torch::tensor(class_weight_, logits.options()));
    }
    weight[c - 1] = options_.bg_cls_weight;
    namespace F = torch::nn::functional;
    torch::Tensor loss;
    if (avg_factor) {
      check_no_sum_with_avg_factor("CrossEntropyLoss", options_.reduction);
      loss = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().weight(weight).reduction(torch::kSum)) /
             *avg_factor;
    } else if (options_.reduction == "sum") {
      loss = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().weight(weight).reduction(torch::kSum));
    } else {
      loss = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().weight(weight));
    }
    return options_.loss_weight * loss;
  }

 private:
  CrossEntropyLossOptions options_;
  double uniform_weight_ = 1.0;
  std::vector<double> class_weight_;
};

}  // namespace

DETSEQ_REGISTER_AS(Loss, CrossEntropyLoss, CrossEntropyLossOptions, "CrossEntropyLoss",
                   "softmax cross-entropy; the last class is background, weighted bg_cls_weight");

}  // namespace detseq
