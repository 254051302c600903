// Transformer encoder/decoder layers, batch-first [B, N, E], shared by DETR and Pix2Seq (DETR's
// transformer.py semantics, plus Pix2Seq's drop path). Post-norm (`normalize_before = false`,
// DETR's default) or pre-norm. Every residual branch is drop_path(dropout(branch)); positional
// encodings are added to queries and keys, never to values. State-dict names follow DETR:
// self_attn, multihead_attn (decoder cross-attention), linear1, linear2, norm1..norm3.
//
// Incremental decoding: pass a DecoderLayerCache. Self-attention keys/values of the new positions
// are appended to cache->self_attn; cross-attention keys/values are projected from `memory` on the
// first call and reused afterwards (memory/pos may then be undefined). Masks: DecoderInputs::causal
// lets each position see only itself and earlier ones (the layer builds the mask from the cache
// length; a single new token needs none), or an explicit `tgt_mask` covers [new, past + new].
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <string>
#include <vector>

#include "core/interfaces/layers.h"
#include "models/layers/drop_path.h"
#include "models/layers/multihead_attention.h"

namespace detseq {

// LibTorch's options idiom: TransformerLayerOptions(256, 8).dim_feedforward(1024).drop_path(0.1).
struct TransformerLayerOptions {
  TransformerLayerOptions(int64_t d_model = 256, int64_t nhead = 8) : d_model_(d_model), nhead_(nhead) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, nhead);
  TORCH_ARG(int64_t, dim_feedforward) = 2048;
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(double, drop_path) = 0.0;  // stochastic depth on every residual branch (Pix2Seq)
  TORCH_ARG(std::shared_ptr<const Activation>, activation) = make_activation("ReLU");  // the FFN's
  TORCH_ARG(bool, normalize_before) = false;                                           // pre-norm when true
};

// bool [new_len, past_len + new_len], true where a query may NOT look (future positions).
torch::Tensor causal_mask(int64_t new_len, int64_t past_len = 0, const torch::Device& device = torch::kCPU);

class TransformerEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit TransformerEncoderLayerImpl(const TransformerLayerOptions& options);
  // src [B, S, E]; key_padding_mask bool [B, S]; pos [B, S, E] or undefined.
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& key_padding_mask = {},
                        const torch::Tensor& pos = {}, const torch::Tensor& attn_mask = {});

  TransformerLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  torch::Tensor ffn(const torch::Tensor& x);
  torch::nn::Dropout dropout_{nullptr}, dropout1_{nullptr}, dropout2_{nullptr};
  DropPath drop_path_{nullptr};
};
TORCH_MODULE(TransformerEncoderLayer);

struct DecoderLayerCache {
  KVCache self_attn;
  KVCache cross_attn;
};

// Optional inputs of a decoder layer / decoder.
struct DecoderInputs {
  torch::Tensor memory_key_padding_mask;  // bool [B, S]
  torch::Tensor pos;                      // [B, S, E], added to memory keys
  torch::Tensor query_pos;                // [B, L, E], added to queries (and self-attention keys)
  torch::Tensor tgt_mask;                 // [L, L] (or [L, past + L] with a cache)
  bool causal = false;                    // instead of tgt_mask: each position sees itself and earlier ones
  torch::Tensor tgt_key_padding_mask;     // bool [B, L] (or [B, past + L] with a cache)
};

class TransformerDecoderLayerImpl : public torch::nn::Module {
 public:
  explicit TransformerDecoderLayerImpl(const TransformerLayerOptions& options);
  // tgt [B, L, E], memory [B, S, E].
  torch::Tensor forward(const torch::Tensor& tgt, const torch::Tensor& memory, const DecoderInputs& in = {},
                        DecoderLayerCache* cache = nullptr);

  TransformerLayerOptions options;
  MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};

 private:
  torch::Tensor self_attention(const torch::Tensor& x, const DecoderInputs& in, DecoderLayerCache* cache);
  torch::Tensor cross_attention(const torch::Tensor& x, const torch::Tensor& memory, const DecoderInputs& in,
                                DecoderLayerCache* cache);
  torch::Tensor ffn(const torch::Tensor& x);
  torch::nn::Dropout dropout_{nullptr}, dropout1_{nullptr}, dropout2_{nullptr}, dropout3_{nullptr};
  DropPath drop_path_{nullptr};
};
TORCH_MODULE(TransformerDecoderLayer);

// `layers.0 ...` plus, with final_norm, `norm` (DETR: the encoder has one only in pre-norm).
class TransformerEncoderImpl : public torch::nn::Module {
 public:
  TransformerEncoderImpl(const TransformerLayerOptions& options, int64_t num_layers, bool final_norm);
  torch::Tensor forward(torch::Tensor src, const torch::Tensor& key_padding_mask = {}, const torch::Tensor& pos = {});

  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(TransformerEncoder);

// `layers.0 ...` and the final `norm` (DETR applies it to every intermediate output).
class TransformerDecoderImpl : public torch::nn::Module {
 public:
  TransformerDecoderImpl(const TransformerLayerOptions& options, int64_t num_layers, bool final_norm = true);
  // Returns [num_layers, B, L, E]: the (normed) output of every layer, last one = final output.
  // `caches`, if given, holds one DecoderLayerCache per layer (resized as needed).
  torch::Tensor forward(torch::Tensor tgt, const torch::Tensor& memory, const DecoderInputs& in = {},
                        std::vector<DecoderLayerCache>* caches = nullptr);
  int64_t num_layers() const { return static_cast<int64_t>(layers->size()); }

  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(TransformerDecoder);

}  // namespace detseq
