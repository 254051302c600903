// Model component interfaces: Backbone -> Neck -> Head, composed by a Detector.
// Implementations live in models/ and register with DETSEQ_REGISTER(<Interface>, Type, Options).
#pragma once
#include <torch/nn/module.h>
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

#include "core/registry/registry.h"
#include "core/structures/detections.h"
#include "core/structures/sample.h"

namespace detseq {

// Named loss terms. The runner optimises the sum of the terms whose name contains "loss"
// (mmdetection's convention); other entries (e.g. accuracies) are only logged.
using LossDict = std::map<std::string, torch::Tensor>;
torch::Tensor total_loss(const LossDict& losses);

// Images [B, 3, H, W] -> feature maps, finest first.
class Backbone : public torch::nn::Module {
 public:
  virtual std::vector<torch::Tensor> forward(const torch::Tensor& images) = 0;
  virtual std::vector<int64_t> out_channels() const = 0;
  virtual std::vector<int64_t> out_strides() const = 0;
};

// Feature maps -> feature maps (projection, FPN, ...).
class Neck : public torch::nn::Module {
 public:
  virtual std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& features) = 0;
  virtual std::vector<int64_t> out_channels() const = 0;
};

// Owns its losses and its decoding. `features` come from the neck (or backbone without neck).
class Head : public torch::nn::Module {
 public:
  virtual LossDict loss(const std::vector<torch::Tensor>& features, const Batch& batch) = 0;
  // Detections in ORIGINAL image pixels (use metas' affine maps).
  virtual std::vector<Detections> predict(const std::vector<torch::Tensor>& features, const Batch& batch) = 0;
  // Labels 0..num_classes()-1 the head can learn; 0 when it has no fixed number.
  virtual int64_t num_classes() const { return 0; }
};

class Detector : public torch::nn::Module {
 public:
  virtual LossDict loss(const Batch& batch) = 0;
  virtual std::vector<Detections> predict(const Batch& batch) = 0;
  // Labels the model can learn (its head's); 0 when unknown. The runner checks it against the
  // training data set's classes before the first iteration.
  virtual int64_t num_classes() const { return 0; }
  // The module checkpoints are read into: the detector itself, or the detector a wrapper runs
  // (DetTTAModel), so a wrapped model loads the same files with the same key names.
  virtual torch::nn::Module& checkpoint_module() { return *this; }
};

DETSEQ_DECLARE_FAMILY(Backbone, "backbone", "image -> multi-scale feature maps");
DETSEQ_DECLARE_FAMILY(Neck, "neck", "feature maps -> feature maps");
DETSEQ_DECLARE_FAMILY(Head, "head", "features -> losses (train) and detections (predict)");
DETSEQ_DECLARE_FAMILY(Detector, "detector", "a whole model: loss(batch) and predict(batch)");

}  // namespace detseq
