// A detector assembled from config: backbone -> (optional) neck -> head. The head owns losses and
// decoding, so DETR and Pix2Seq differ only in their head. The detector wires channel counts
// (neck.in_channels <- backbone.out_channels, head.in_channels <- last level's channels) and
// applies its own `init_cfg` (e.g. an official DETR checkpoint with rename rules) after the
// children have applied theirs, so the detector-level checkpoint wins.
//
// Registered as "ComposedDetector" and "DETR"; another name for the same class is one line:
//   DETSEQ_REGISTER_AS(Detector, ComposedDetector, ComposedDetectorOptions, "Pix2Seq", "doc");
#pragma once
#include "core/interfaces/model.h"

namespace detseq {

struct ComposedDetectorOptions {
  ComponentCfg backbone;
  ComponentCfg neck;
  ComponentCfg head;
  ComponentCfg init_cfg;
  template <class V>
  void visit(V& v) {
    v.required("backbone", backbone, "backbone config ({type: ResNet, ...})");
    v("neck", neck, "optional neck config ({type: ChannelMapper, ...}); in_channels is filled in");
    v.required("head", head, "head config ({type: DETRHead, ...}); in_channels is filled in");
    v("init_cfg", init_cfg, "{type: Pretrained, checkpoint, key, prefix, rename} for the whole model");
  }
};

class ComposedDetector : public Detector {
 public:
  explicit ComposedDetector(const ComposedDetectorOptions& options);
  LossDict loss(const Batch& batch) override;
  std::vector<Detections> predict(const Batch& batch) override;
  int64_t num_classes() const override { return head_->num_classes(); }
  std::vector<torch::Tensor> extract_features(const torch::Tensor& images);

  std::shared_ptr<Backbone> backbone() const { return backbone_; }
  std::shared_ptr<Neck> neck() const { return neck_; }
  std::shared_ptr<Head> head() const { return head_; }

 private:
  std::shared_ptr<Backbone> backbone_;
  std::shared_ptr<Neck> neck_;
  std::shared_ptr<Head> head_;
};

}  // namespace detseq
