// Positional encodings of a feature map from its padding mask (DETR's models/position_encoding.py
// semantics). Both return [B, 2 * num_feats, H, W].
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "core/interfaces/layers.h"

namespace detseq {

// Sine/cosine of the cumulative count of valid (non-padding) pixels along y and along x.
// With `normalize`, positions are divided by the valid extent of each image and scaled by `scale`
// (2π), so a padded image gets the same encoding as the unpadded one. Channels: y first, then x;
// within each, sin and cos interleaved by frequency (sin f0, cos f0, sin f1, ...).
struct PositionEmbeddingSineOptions {
  /* implicit */ PositionEmbeddingSineOptions(int64_t num_feats = 128) : num_feats_(num_feats) {}
  TORCH_ARG(int64_t, num_feats);  // per axis, even
  TORCH_ARG(double, temperature) = 10000.0;
  TORCH_ARG(bool, normalize) = true;
  TORCH_ARG(double, scale) = 2.0 * M_PI;
  TORCH_ARG(double, eps) = 1e-6;
};

class PositionEmbeddingSineImpl : public PositionalEncoding {
 public:
  explicit PositionEmbeddingSineImpl(const PositionEmbeddingSineOptions& options = {});
  // mask: bool [B, H, W], true on padding.
  torch::Tensor forward(const torch::Tensor& mask) override;
  int64_t out_channels() const override { return 2 * options.num_feats(); }

  PositionEmbeddingSineOptions options;
};
TORCH_MODULE(PositionEmbeddingSine);

// Learned absolute embeddings: `row_embed` and `col_embed` tables of `num_embed` rows each.
// Channels: x (column) first, then y, as in DETR. The mask only supplies the shape.
struct PositionEmbeddingLearnedOptions {
  /* implicit */ PositionEmbeddingLearnedOptions(int64_t num_feats = 128) : num_feats_(num_feats) {}
  TORCH_ARG(int64_t, num_feats);       // per axis
  TORCH_ARG(int64_t, num_embed) = 50;  // table rows per axis: the largest feature-map side
};

class PositionEmbeddingLearnedImpl : public PositionalEncoding {
 public:
  explicit PositionEmbeddingLearnedImpl(const PositionEmbeddingLearnedOptions& options = {});
  torch::Tensor forward(const torch::Tensor& mask) override;
  int64_t out_channels() const override { return 2 * options.num_feats(); }

  PositionEmbeddingLearnedOptions options;
  torch::nn::Embedding row_embed{nullptr}, col_embed{nullptr};
};
TORCH_MODULE(PositionEmbeddingLearned);

}  // namespace detseq
