// Interfaces of the building blocks a model config names by `type` inside a component:
// matchers (`matcher:`), positional encodings (`positional_encoding:`), normalisation layers
// (`norm_cfg:`) and activations (`activation:`). Each is a registry family, so a new one is one
// file with one DETSEQ_REGISTER line; the parent builds it from its ComponentCfg option.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/types.h>

#include <utility>

#include "core/registry/registry.h"

namespace detseq {

// Assigns predictions to ground-truth objects of one image (set prediction, DETR).
class Matcher {
 public:
  virtual ~Matcher() = default;
  // logits [Q, C+1], boxes [Q, 4] (cxcywh, normalised), labels [T], target boxes [T, 4]
  // (cxcywh, normalised) -> (query indices, target indices), int64 [min(Q, T)], sorted by query.
  virtual std::pair<torch::Tensor, torch::Tensor> match(const torch::Tensor& logits, const torch::Tensor& boxes,
                                                        const torch::Tensor& labels,
                                                        const torch::Tensor& target_boxes) const = 0;
};

// Positions of a feature map from its padding mask: bool [B, H, W] (true = padding) ->
// [B, out_channels(), H, W]. A module: learned encodings own parameters (state-dict names
// `<parent>.row_embed.weight`, ...).
class PositionalEncoding : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& mask) = 0;
  virtual int64_t out_channels() const = 0;
};

// A recipe for a 2-D normalisation layer: the parent knows the channels, the config the kind.
// The module is returned as AnyModule so the parent registers it under its own name (bn1, ...),
// which keeps torchvision/DETR state-dict names.
class NormLayer {
 public:
  virtual ~NormLayer() = default;
  virtual torch::nn::AnyModule make2d(int64_t channels) const = 0;
};

// An element-wise activation (mmcv `act_cfg` types: ReLU, GELU).
class Activation {
 public:
  virtual ~Activation() = default;
  virtual torch::Tensor operator()(const torch::Tensor& x) const = 0;
};

DETSEQ_DECLARE_FAMILY(Matcher, "matcher", "predictions <-> ground truth assignment (set prediction losses)");
DETSEQ_DECLARE_FAMILY(PositionalEncoding, "positional_encoding", "padding mask -> positional encoding of a feature map");
DETSEQ_DECLARE_FAMILY(NormLayer, "norm_layer", "norm_cfg: the 2-D normalisation layer of convolutional blocks");
DETSEQ_DECLARE_FAMILY(Activation, "activation", "element-wise activation of transformer feed-forward layers");

// An activation by type name with default options (for code that builds layers directly).
std::shared_ptr<Activation> make_activation(const std::string& type);

}  // namespace detseq
