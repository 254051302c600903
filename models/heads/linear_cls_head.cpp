// LinearClsHead (mmpretrain's name): global average pooling of the last feature map + one linear
// layer, cross-entropy on the image's class. With `type: ImageClassifier` (the composed detector)
// it pre-trains a backbone on whole-image classification, the way detectors start from an
// ImageNet backbone; a detector config then loads it with
// `backbone.init_cfg: {type: Pretrained, checkpoint: ..., prefix: backbone.}`.
// An image's class is its one target instance (a data set with one object per image, e.g.
// `detseq make-dataset fashion-mnist --objects 1`); predictions are one whole-image box per image
// with the top-1 class and its softmax probability, scored by the Accuracy metric.
#include <torch/nn/functional.h>
#include <torch/nn/modules/linear.h>

#include "core/interfaces/model.h"
#include "core/registry/options.h"
#include "core/util/error.h"
#include "models/detectors/composed_detector.h"

namespace detseq {
namespace {

struct LinearClsHeadOptions {
  int64_t num_classes = 0;
  int64_t in_channels = 0;
  double label_smoothing = 0.0;
  template <class V>
  void visit(V& v) {
    v.required("num_classes", num_classes, "number of classes").at_least(2);
    v("in_channels", in_channels, "channels of the last feature map (filled in by the detector)").positive();
    v("label_smoothing", label_smoothing, "cross-entropy label smoothing in [0, 1)").range(0.0, 1.0);
  }
};

class LinearClsHead : public Head {
 public:
  explicit LinearClsHead(const LinearClsHeadOptions& o) : options_(o) {
    if (o.label_smoothing == 1.0)  // the declared range is closed; 1 would make every target uniform
      throw ConfigError("LinearClsHead: label_smoothing must be below 1 (1 makes every target uniform)");
    fc_ = register_module("fc", torch::nn::Linear(o.in_channels, o.num_classes));
  }

  LossDict loss(const std::vector<torch::Tensor>& features, const Batch& batch) override {
    check_unpadded(batch);
    const torch::Tensor logits = forward_logits(features);
    const torch::Tensor labels = image_labels(batch).to(logits.device());
    namespace F = torch::nn::functional;
    LossDict out;
    out["loss_cls"] = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().label_smoothing(options_.label_smoothing));
    out["accuracy"] = (logits.detach().argmax(1) == labels).to(torch::kFloat32).mean() * 100.0;
    return out;
  }

  int64_t num_classes() const override { return options_.num_classes; }

  std::vector<Detections> predict(const std::vector<torch::Tensor>& features, const Batch& batch) override {
    check_unpadded(batch);
    const auto [score, label] = torch::softmax(forward_logits(features), 1).max(1);
    const torch::Tensor s = score.to(torch::kCPU), l = label.to(torch::kCPU);
    std::vector<Detections> out(static_cast<size_t>(batch.size()));
    for (int64_t i = 0; i < batch.size(); ++i) {
      const ImageMeta& m = batch.metas[static_cast<size_t>(i)];
      Detections& d = out[static_cast<size_t>(i)];
      d.image_id = m.image_id;
      d.boxes = torch::tensor({0.0f, 0.0f, float(m.ori_width), float(m.ori_height)}).view({1, 4});
      d.scores = s.narrow(0, i, 1).to(torch::kFloat32);
      d.labels = l.narrow(0, i, 1).to(torch::kInt64);
    }
    return out;
  }

 private:
  // Global average pooling would average the padding in too: refuse padded batches instead of
  // silently classifying diluted features.
  static void check_unpadded(const Batch& batch) {
    if (batch.masks.defined() && batch.masks.any().item<bool>()) {
      throw Error("LinearClsHead: the batch holds padded images (their sizes differ); whole-image classification "
                  "needs images of one size (e.g. a fixed Resize, or make-dataset's fixed --size)");
    }
  }

  torch::Tensor forward_logits(const std::vector<torch::Tensor>& features) {
    if (features.empty() || features.back().dim() != 4) throw Error("LinearClsHead: expected a [B, C, H, W] feature map");
    return fc_->forward(features.back().mean({2, 3}));
  }

  torch::Tensor image_labels(const Batch& batch) const {
    std::vector<int64_t> labels;
    for (int64_t i = 0; i < batch.size(); ++i) {
      const Instances t = batch.instances.at(static_cast<size_t>(i)).targets();
      if (t.size() != 1) {
        throw Error("LinearClsHead: image " + std::to_string(batch.metas[static_cast<size_t>(i)].image_id) + " has " +
                    std::to_string(t.size()) + " target objects; whole-image classification needs exactly one per "
                    "image (e.g. make-dataset fashion-mnist --objects 1)");
      }
      const int64_t label = t.labels[0].item<int64_t>();
      if (label < 0 || label >= options_.num_classes) {
        throw Error("LinearClsHead: label " + std::to_string(label) + " is outside 0.." + std::to_string(options_.num_classes - 1) +
                    " (num_classes " + std::to_string(options_.num_classes) + " is smaller than the data set's classes)");
      }
      labels.push_back(label);
    }
    return torch::tensor(labels, torch::kInt64);
  }

  LinearClsHeadOptions options_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace

DETSEQ_REGISTER_AS(Head, LinearClsHead, LinearClsHeadOptions, "LinearClsHead",
                   "global average pooling + linear classifier, cross-entropy (backbone pre-training)");
DETSEQ_REGISTER_AS(Detector, ComposedDetector, ComposedDetectorOptions, "ImageClassifier",
                   "backbone -> optional neck -> LinearClsHead (alias of ComposedDetector)");

}  // namespace detseq
