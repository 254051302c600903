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

std::string channel_list(const std::vector<int64_t>& values) {
  std::string out;
  for (int64_t v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return "[" + out + "]";
}

// mmdet's `head.update(in_channels=...)`: the parent's value wins only where the user set none.
// A value the user did set must match what the previous stage returns, or LibTorch would fail
// later with a raw shape message.
ComponentCfg with_in_channels(ComponentCfg cfg, const std::vector<int64_t>& channels, bool as_list,
                              const std::string& producer) {
  if (!cfg.node.is_map()) return cfg;
  const std::string path = cfg.path + ".in_channels";
  if (const ConfigNode* set = cfg.node.find("in_channels"); set && !set->is_null()) {
    const bool same = as_list ? set->as<std::vector<int64_t>>(path) == channels
                              : set->as<int64_t>(path) == channels.back();
    if (!same) {
      const std::string given = as_list ? channel_list(set->as<std::vector<int64_t>>(path))
                                        : std::to_string(set->as<int64_t>(path));
      const std::string actual = as_list ? channel_list(channels) : std::to_string(channels.back());
      throw ConfigError(describe_location(path, *set) + ": " + given + " does not match the " + actual +
                        " channels that " + producer + " returns; remove " + path +
                        " (the detector fills it in) or change " + producer);
    }
    return cfg;
  }
  if (as_list) {
    cfg.node["in_channels"] = int_list(channels);
  } else {
    cfg.node["in_channels"] = make_scalar(channels.back());
  }
  return cfg;
}

}  // namespace

ComposedDetector::ComposedDetector(const ComposedDetectorOptions& options) {
  backbone_ = register_module("backbone", build<Backbone>(options.backbone));
  std::vector<int64_t> channels = backbone_->out_channels();
  if (!options.neck.empty()) {
    if (channels.empty()) throw ConfigError(options.backbone.path + ": the backbone returns no feature maps");
    neck_ = register_module("neck", build<Neck>(with_in_channels(options.neck, channels, true, options.backbone.path)));
    channels = neck_->out_channels();
  }
  if (channels.empty()) throw ConfigError(options.backbone.path + ": the backbone returns no feature maps");
  const std::string producer = options.neck.empty() ? options.backbone.path : options.neck.path;
  head_ = register_module("head", build<Head>(with_in_channels(options.head, channels, false, producer)));
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
