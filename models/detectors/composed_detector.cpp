#include "models/detectors/composed_detector.h"

#include "core/io/pretrained.h"
#include "core/util/error.h"

namespace detseq {
namespace {

ConfigNode int_list(const std::vector<int64_t>& values) {
  ConfigNode seq = ConfigNode::sequence();
  for (int64_t v : values) seq.push_back(make_scalar(v));
  return seq;
}

// mmdet's `head.update(in_channels=...)`: the parent's value wins only where the user set none.
ComponentCfg with_default(ComponentCfg cfg, const std::string& key, const ConfigNode& value) {
  if (cfg.node.is_map() && !cfg.node.find(key)) cfg.node[key] = value;
  return cfg;
}

}  // namespace

ComposedDetector::ComposedDetector(const ComposedDetectorOptions& options) {
  backbone_ = register_module("backbone", build<Backbone>(options.backbone));
  std::vector<int64_t> channels = backbone_->out_channels();
  if (!options.neck.empty()) {
    neck_ = register_module("neck", build<Neck>(with_default(options.neck, "in_channels", int_list(channels))));
    channels = neck_->out_channels();
  }
  if (channels.empty()) throw ConfigError(options.backbone.path + ": the backbone returns no feature maps");
  head_ = register_module("head", build<Head>(with_default(options.head, "in_channels", make_scalar(channels.back()))));
  io::apply_init_cfg(*this, options.init_cfg);
}

std::vector<torch::Tensor> ComposedDetector::extract_features(const torch::Tensor& images) {
  auto features = backbone_->forward(images);
  return neck_ ? neck_->forward(features) : features;
}

LossDict ComposedDetector::loss(const Batch& batch) {
  if (!batch.images.defined()) throw Error("detector: the batch has no images");
  return head_->loss(extract_features(batch.images), batch);
}

std::vector<Detections> ComposedDetector::predict(const Batch& batch) {
  if (!batch.images.defined()) throw Error("detector: the batch has no images");
  return head_->predict(extract_features(batch.images), batch);
}

DETSEQ_REGISTER_AS(Detector, ComposedDetector, ComposedDetectorOptions, "ComposedDetector",
                   "backbone -> optional neck -> head, composed from config");
DETSEQ_REGISTER_AS(Detector, ComposedDetector, ComposedDetectorOptions, "DETR",
                   "DETR: ResNet -> ChannelMapper -> DETRHead (the ComposedDetector)");

}  // namespace detseq
