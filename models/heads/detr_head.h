// DETRHead: input projection (unless a neck already gives embed_dims channels), sine or learned
// positions from the padding mask, the DETR transformer, `query_embed` (num_queries learned
// queries), `class_embed` (num_classes + 1; the last class is "no object") and `bbox_embed` (a
// 3-layer MLP + sigmoid -> normalised cxcywh) applied to every decoder layer's output.
// Losses: SetCriterion (Hungarian matching; loss_cls, loss_bbox, loss_iou from the `loss` family;
// aux losses d0..). Prediction:
// softmax, drop no-object, best class per query, top max_per_img, boxes in original pixels.
#pragma once
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include "core/interfaces/layers.h"
#include "core/interfaces/model.h"
#include "models/heads/detr_transformer.h"
#include "models/layers/mlp.h"
#include "models/losses/set_criterion.h"

namespace detseq {

struct DETRHeadOptions {
  int64_t num_classes = 80;
  int64_t in_channels = 2048;
  int64_t embed_dims = 256;
  int64_t num_queries = 100;
  DETRTransformerOptions transformer;
  ComponentCfg positional_encoding = ComponentCfg::of("SinePositionalEncoding");
  ComponentCfg matcher = ComponentCfg::of("HungarianMatcher");
  ComponentCfg loss_cls = ComponentCfg::of("CrossEntropyLoss").with("bg_cls_weight", 0.1);
  ComponentCfg loss_bbox = ComponentCfg::of("L1Loss").with("loss_weight", 5.0);
  ComponentCfg loss_iou = ComponentCfg::of("GIoULoss").with("loss_weight", 2.0);
  int64_t max_per_img = 100;
  int64_t num_logits = 0;
  std::vector<int64_t> label_to_logit;
  ComponentCfg init_cfg;
  template <class V>
  void visit(V& v) {
    v("num_classes", num_classes, "object classes (an extra no-object logit is added)").positive();
    v("in_channels", in_channels, "channels of the last feature map (filled in by the detector)").positive();
    v("embed_dims", embed_dims, "transformer width; a 1x1 input_proj maps in_channels to it if they differ").positive();
    v("num_queries", num_queries, "object queries").positive();
    v("transformer", transformer, "the encoder-decoder transformer");
    v("positional_encoding", positional_encoding,
      "positional_encoding: SinePositionalEncoding | LearnedPositionalEncoding; 2 * num_feats = embed_dims");
    v("matcher", matcher, "matcher: HungarianMatcher {cost_class, cost_bbox, cost_giou}");
    v("loss_cls", loss_cls, "loss: classification over every query; bg_cls_weight = DETR's eos_coef");
    v("loss_bbox", loss_bbox, "loss: L1 of matched normalised cxcywh boxes / num_boxes");
    v("loss_iou", loss_iou, "loss: GIoU loss of matched boxes / num_boxes");
    v("max_per_img", max_per_img, "detections kept per image (<= num_queries)").positive();
    v("num_logits", num_logits,
      "classifier outputs before no-object; 0 = num_classes (official DETR COCO checkpoints: 91)")
        .non_negative();
    v("label_to_logit", label_to_logit,
      "logit index of each label 0..num_classes-1 (official DETR: the COCO category ids); empty = identity")
        .non_negative();
    v("init_cfg", init_cfg, "{type: Pretrained, ...}");
  }
};

// Raw outputs of every decoder layer.
struct DETROutputs {
  torch::Tensor logits;  // [L, B, Q, C+1]
  torch::Tensor boxes;   // [L, B, Q, 4], normalised cxcywh
};

class DETRHead : public Head {
 public:
  explicit DETRHead(const DETRHeadOptions& options);
  DETROutputs forward(const std::vector<torch::Tensor>& features, const torch::Tensor& masks);
  LossDict loss(const std::vector<torch::Tensor>& features, const Batch& batch) override;
  std::vector<Detections> predict(const std::vector<torch::Tensor>& features, const Batch& batch) override;
  int64_t num_classes() const override { return options_.num_classes; }

  // Targets of a batch: non-ignored instances, cxcywh normalised by each unpadded image size.
  static std::vector<SetTarget> make_targets(const Batch& batch, const torch::Device& device);
  // logits [B, Q, C+1], boxes [B, Q, 4] of the last layer -> detections in original pixels.
  std::vector<Detections> decode(const torch::Tensor& logits, const torch::Tensor& boxes,
                                 const std::vector<ImageMeta>& metas) const;

 private:
  // Labels -> classifier indices (identity unless label_to_logit is set).
  torch::Tensor to_logits(const torch::Tensor& labels) const;

  DETRHeadOptions options_;
  int64_t num_logits_;
  torch::Tensor label_to_logit_;  // int64 [num_classes], CPU
  torch::nn::Conv2d input_proj{nullptr};
  std::shared_ptr<PositionalEncoding> positional_encoding_;
  DETRTransformer transformer{nullptr};
  torch::nn::Embedding query_embed{nullptr};
  torch::nn::Linear class_embed{nullptr};
  MLP bbox_embed{nullptr};
  std::unique_ptr<SetCriterion> criterion_;
};

}  // namespace detseq
