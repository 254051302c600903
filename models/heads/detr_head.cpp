#include "models/heads/detr_head.h"

#include "core/io/pretrained.h"
#include "core/util/error.h"
#include "core/structures/box_mapping.h"
#include "core/structures/box_ops.h"
#include "core/structures/padding_mask.h"
#include "models/layers/position_encoding.h"

namespace detseq {

DETRHead::DETRHead(const DETRHeadOptions& options) : options_(options) {
  if (options.max_per_img > options.num_queries) {
    throw ConfigError("DETRHead: max_per_img must be <= num_queries (" + std::to_string(options.num_queries) +
                      "), got " + std::to_string(options.max_per_img));
  }
  num_logits_ = options.num_logits > 0 ? options.num_logits : options.num_classes;
  if (options.label_to_logit.empty()) {
    if (num_logits_ != options.num_classes) {
      throw ConfigError("DETRHead: num_logits " + std::to_string(num_logits_) + " differs from num_classes " +
                        std::to_string(options.num_classes) + "; set label_to_logit to say which logit is which label");
    }
    label_to_logit_ = torch::arange(options.num_classes, torch::kLong);
  } else {
    if (static_cast<int64_t>(options.label_to_logit.size()) != options.num_classes) {
      throw ConfigError("DETRHead: label_to_logit has " + std::to_string(options.label_to_logit.size()) +
                        " entries, expected num_classes = " + std::to_string(options.num_classes));
    }
    for (int64_t id : options.label_to_logit) {
      if (id >= num_logits_) {
        throw ConfigError("DETRHead: label_to_logit entry " + std::to_string(id) + " is outside 0.." +
                          std::to_string(num_logits_ - 1) + " (raise num_logits)");
      }
    }
    label_to_logit_ = torch::tensor(options.label_to_logit, torch::kLong);
  }
  const int64_t e = options.embed_dims;
  if (options.in_channels != e) {
    input_proj = register_module("input_proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels, e, 1)));
  }
  positional_encoding_ = build<PositionalEncoding>(options.positional_encoding);
  if (positional_encoding_->out_channels() != e) {
    throw ConfigError(describe_location(options.positional_encoding.path, options.positional_encoding.node) +
                      ": encodes " + std::to_string(positional_encoding_->out_channels()) +
                      " channels, expected embed_dims = " + std::to_string(e) + " (set num_feats to " +
                      std::to_string(e / 2) + ")");
  }
  register_module("positional_encoding", positional_encoding_);
  transformer = register_module("transformer", DETRTransformer(options.transformer, e));
  query_embed = register_module("query_embed", torch::nn::Embedding(options.num_queries, e));
  class_embed = register_module("class_embed", torch::nn::Linear(e, num_logits_ + 1));
  bbox_embed = register_module("bbox_embed", MLP(e, e, 4, 3));

  SetCriterionOptions crit;
  crit.num_classes = num_logits_;
  crit.loss_cls = build<Loss>(options.loss_cls);
  crit.loss_bbox = build<Loss>(options.loss_bbox);
  crit.loss_iou = build<Loss>(options.loss_iou);
  criterion_ = std::make_unique<SetCriterion>(crit, std::shared_ptr<const Matcher>(build<Matcher>(options.matcher)));
  io::apply_init_cfg(*this, options.init_cfg);
}

DETROutputs DETRHead::forward(const std::vector<torch::Tensor>& features, const torch::Tensor& masks) {
  if (features.empty()) throw Error("DETRHead: no feature maps");
  auto x = features.back();
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  const auto mask = downsample_padding_mask(masks, b, h, w, x.options());
  auto pos = positional_encoding_->forward(mask).to(x.dtype());
  if (input_proj) x = input_proj(x);
  auto src = x.flatten(2).transpose(1, 2);        // [B, HW, E]
  auto pos_seq = pos.flatten(2).transpose(1, 2);  // [B, HW, E]
  auto hs = transformer(src, mask.flatten(1), query_embed->weight, pos_seq);
  return {class_embed(hs), bbox_embed(hs).sigmoid()};
}

std::vector<SetTarget> DETRHead::make_targets(const Batch& batch, const torch::Device& device) {
  std::vector<SetTarget> targets;
  for (int64_t i = 0; i < batch.size(); ++i) {
    const auto& meta = batch.metas[i];
    const Instances inst =
        i < static_cast<int64_t>(batch.instances.size()) ? batch.instances[i].targets() : Instances::empty();
    // DETR normalises by the image size before padding (the mask-based positions match it).
    const double w = meta.img_width > 0 ? meta.img_width : batch.images.size(-1);
    const double h = meta.img_height > 0 ? meta.img_height : batch.images.size(-2);
    SetTarget t;
    if (inst.size() == 0) {
      t.labels = torch::empty({0}, torch::TensorOptions().dtype(torch::kLong).device(device));
      t.boxes = torch::empty({0, 4}, torch::TensorOptions().dtype(torch::kFloat).device(device));
    } else {
      auto scale = torch::tensor({w, h, w, h}, torch::kFloat);
      t.boxes = box_ops::xyxy_to_cxcywh(inst.boxes.to(torch::kCPU, torch::kFloat) / scale).to(device);
      t.labels = inst.labels.to(device, torch::kLong);
    }
    targets.push_back(std::move(t));
  }
  return targets;
}

torch::Tensor DETRHead::to_logits(const torch::Tensor& labels) const {
  if (labels.numel() == 0) return labels;
  if ((labels < 0).any().item<bool>() || (labels >= options_.num_classes).any().item<bool>()) {
    throw Error("DETRHead: a target label is outside 0.." + std::to_string(options_.num_classes - 1) +
                " (num_classes does not fit the dataset?)");
  }
  return label_to_logit_.to(labels.device()).index_select(0, labels);
}

LossDict DETRHead::loss(const std::vector<torch::Tensor>& features, const Batch& batch) {
  auto out = forward(features, batch.masks);
  auto targets = make_targets(batch, out.logits.device());
  for (auto& t : targets) t.labels = to_logits(t.labels);
  return (*criterion_)(out.logits, out.boxes, targets);
}

std::vector<Detections> DETRHead::decode(const torch::Tensor& logits, const torch::Tensor& boxes,
                                         const std::vector<ImageMeta>& metas) const {
  std::vector<Detections> results;
  auto prob = logits.detach().to(torch::kCPU, torch::kFloat).softmax(-1);
  auto all_boxes = boxes.detach().to(torch::kCPU, torch::kFloat);
  for (size_t i = 0; i < metas.size(); ++i) {
    const auto& meta = metas[i];
    // No-object dropped; columns reordered so that column k is label k.
    auto [scores, labels] = prob[i].index_select(-1, label_to_logit_).max(-1);
    auto top = scores.topk(options_.max_per_img);
    auto keep = std::get<1>(top);
    auto xyxy = box_ops::cxcywh_to_xyxy(all_boxes[i].index_select(0, keep));
    // Current (unpadded) image pixels, then the inverse of the meta's original->current map.
    const double w = meta.img_width, h = meta.img_height;
    auto current = xyxy * torch::tensor({float(w), float(h), float(w), float(h)});
    auto out = boxes_to_original(current, meta, EdgeOrder::kSorted, /*clip=*/true);
    Detections d;
    d.image_id = meta.image_id;
    d.boxes = out.contiguous();
    d.scores = std::get<0>(top).contiguous();
    d.labels = labels.index_select(0, keep).contiguous();
    results.push_back(std::move(d));
  }
  return results;
}

std::vector<Detections> DETRHead::predict(const std::vector<torch::Tensor>& features, const Batch& batch) {
  for (const auto& meta : batch.metas) {
    if (meta.img_width <= 0 || meta.img_height <= 0 || meta.scale_x == 0 || meta.scale_y == 0) {
      throw Error("DETRHead::predict: image " + std::to_string(meta.image_id) +
                  " has no img_width/img_height or a zero scale in its meta; the pipeline must fill them");
    }
  }
  auto out = forward(features, batch.masks);
  const int64_t last = out.logits.size(0) - 1;
  return decode(out.logits[last], out.boxes[last], batch.metas);
}

DETSEQ_REGISTER_AS(Head, DETRHead, DETRHeadOptions, "DETRHead",
                   "DETR set-prediction head: transformer, object queries, Hungarian loss, aux outputs");

}  // namespace detseq
