// Pix2Seq's transformer: encoder and autoregressive decoder layers with pre- or post-norm,
// ReLU/GELU and drop path (stochastic depth) on every residual branch. Built on the shared
// MultiheadAttention (models/layers) and its KVCache: incremental decoding appends one step to the
// self-attention cache and projects the image memory into cross-attention keys/values ONCE.
// Parameter names follow DETR (self_attn, multihead_attn, linear1/2, norm1..3) so checkpoints of
// other layouts map onto them with rename rules only.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "core/interfaces/layers.h"
#include "models/layers/drop_path.h"
#include "models/layers/multihead_attention.h"

namespace detseq {

struct Pix2SeqLayerConfig {
  int64_t d_model = 256;
  int64_t nhead = 8;
  int64_t dim_feedforward = 1024;
  double dropout = 0.1;
  double drop_path = 0.0;
  std::shared_ptr<const Activation> activation = make_activation("ReLU");
  bool normalize_before = false;
};

class Pix2SeqEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit Pix2SeqEncoderLayerImpl(const Pix2SeqLayerConfig& cfg);
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& key_padding_mask, const torch::Tensor& pos);

  MultiheadAttention self_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  torch::Tensor ffn(const torch::Tensor& x);
  Pix2SeqLayerConfig cfg_;
  torch::nn::Dropout dropout_{nullptr};
  DropPath drop_path_{nullptr};
};
TORCH_MODULE(Pix2SeqEncoderLayer);

// Per-layer incremental state. `cross` is filled on the first step from the memory.
struct Pix2SeqLayerCache {
  KVCache self;
  KVCache cross;
};

// What a decoder layer attends to: the image memory [B, S, E], its padding mask and positions.
struct Pix2SeqMemory {
  torch::Tensor memory, key_padding_mask, pos;
  Pix2SeqMemory index_select(const torch::Tensor& rows) const;
};

class Pix2SeqDecoderLayerImpl : public torch::nn::Module {
 public:
  explicit Pix2SeqDecoderLayerImpl(const Pix2SeqLayerConfig& cfg);
  // x [B, L, E]. Without a cache: full causal self-attention over the L tokens. With a cache: the L
  // new tokens attend to the cached ones and themselves, and are appended to the cache.
  torch::Tensor forward(const torch::Tensor& x, const Pix2SeqMemory& memory, Pix2SeqLayerCache* cache = nullptr);

  MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};

 private:
  torch::Tensor self_attention(const torch::Tensor& x, Pix2SeqLayerCache* cache);
  torch::Tensor cross_attention(const torch::Tensor& x, const Pix2SeqMemory& memory, Pix2SeqLayerCache* cache);
  torch::Tensor ffn(const torch::Tensor& x);
  Pix2SeqLayerConfig cfg_;
  torch::nn::Dropout dropout_{nullptr};
  DropPath drop_path_{nullptr};
};
TORCH_MODULE(Pix2SeqDecoderLayer);

// Drop-path rates grow linearly from 0 to `max_rate` over `n` layers (stochastic depth).
std::vector<double> drop_path_schedule(double max_rate, int64_t n);

}  // namespace detseq
