#include "models/layers/transformer_layers.h"

#include <torch/nn/functional/activation.h>

#include "core/util/error.h"

namespace detseq {
namespace {

torch::Tensor with_pos(const torch::Tensor& x, const torch::Tensor& pos) { return pos.defined() ? x + pos : x; }

torch::nn::LayerNorm layer_norm(int64_t d) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})); }

MultiheadAttentionOptions attention_options(const TransformerLayerOptions& o) {
  return MultiheadAttentionOptions(o.d_model(), o.nhead()).dropout(o.dropout());
}

void check_activation(const std::shared_ptr<const Activation>& activation) {
  if (!activation) throw std::logic_error("transformer layer: no activation given");
}

}  // namespace

torch::Tensor causal_mask(int64_t new_len, int64_t past_len, const torch::Device& device) {
  auto rows = torch::arange(new_len, torch::TensorOptions().dtype(torch::kLong).device(device)).unsqueeze(1);
  auto cols = torch::arange(past_len + new_len, torch::TensorOptions().dtype(torch::kLong).device(device));
  return cols.unsqueeze(0) > rows + past_len;
}

// ---- encoder layer -----------------------------------------------------------------------------

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerLayerOptions& o) : options(o) {
  check_activation(o.activation());
  self_attn = register_module("self_attn", MultiheadAttention(attention_options(o)));
  linear1 = register_module("linear1", torch::nn::Linear(o.d_model(), o.dim_feedforward()));
  linear2 = register_module("linear2", torch::nn::Linear(o.dim_feedforward(), o.d_model()));
  norm1 = register_module("norm1", layer_norm(o.d_model()));
  norm2 = register_module("norm2", layer_norm(o.d_model()));
  // Dropouts and drop path hold no state; registered under names that do not clash with DETR's keys.
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout()));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(o.dropout()));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(o.dropout()));
  drop_path_ = register_module("drop_path", DropPath(o.drop_path()));
}

torch::Tensor TransformerEncoderLayerImpl::ffn(const torch::Tensor& x) {
  return linear2(dropout_((*options.activation())(linear1(x))));
}

torch::Tensor TransformerEncoderLayerImpl::forward(const torch::Tensor& src, const torch::Tensor& key_padding_mask,
                                                   const torch::Tensor& pos, const torch::Tensor& attn_mask) {
  auto attend = [&](const torch::Tensor& x) {
    auto qk = with_pos(x, pos);
    return drop_path_(dropout1_(self_attn(qk, qk, x, key_padding_mask, attn_mask)));
  };
  if (options.normalize_before()) {
    auto out = src + attend(norm1(src));
    return out + drop_path_(dropout2_(ffn(norm2(out))));
  }
  auto out = norm1(src + attend(src));
  return norm2(out + drop_path_(dropout2_(ffn(out))));
}

// ---- decoder layer -----------------------------------------------------------------------------

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerLayerOptions& o) : options(o) {
  check_activation(o.activation());
  self_attn = register_module("self_attn", MultiheadAttention(attention_options(o)));
  multihead_attn = register_module("multihead_attn", MultiheadAttention(attention_options(o)));
  linear1 = register_module("linear1", torch::nn::Linear(o.d_model(), o.dim_feedforward()));
  linear2 = register_module("linear2", torch::nn::Linear(o.dim_feedforward(), o.d_model()));
  norm1 = register_module("norm1", layer_norm(o.d_model()));
  norm2 = register_module("norm2", layer_norm(o.d_model()));
  norm3 = register_module("norm3", layer_norm(o.d_model()));
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout()));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(o.dropout()));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(o.dropout()));
  dropout3_ = register_module("dropout3", torch::nn::Dropout(o.dropout()));
  drop_path_ = register_module("drop_path", DropPath(o.drop_path()));
}

torch::Tensor TransformerDecoderLayerImpl::ffn(const torch::Tensor& x) {
  return linear2(dropout_((*options.activation())(linear1(x))));
}

torch::Tensor TransformerDecoderLayerImpl::self_attention(const torch::Tensor& x, const DecoderInputs& in,
                                                          DecoderLayerCache* cache) {
  if (in.causal && in.tgt_mask.defined()) throw Error("TransformerDecoderLayer: give causal or tgt_mask, not both");
  const int64_t past = cache ? cache->self_attn.length() : 0;
  auto q = with_pos(x, in.query_pos);
  KVCache kv = self_attn->project_kv(q, x);
  if (cache) {
    cache->self_attn.append(kv);
    kv = cache->self_attn;
  }
  torch::Tensor mask = in.tgt_mask;
  // A single new token may see everything cached: no mask needed.
  if (in.causal && x.size(1) > 1) mask = causal_mask(x.size(1), past, x.device());
  return self_attn->attend(q, kv, in.tgt_key_padding_mask, mask);
}

torch::Tensor TransformerDecoderLayerImpl::cross_attention(const torch::Tensor& x, const torch::Tensor& memory,
                                                           const DecoderInputs& in, DecoderLayerCache* cache) {
  KVCache kv;
  if (cache && !cache->cross_attn.empty()) {
    kv = cache->cross_attn;
  } else {
    if (!memory.defined()) throw Error("TransformerDecoderLayer: no memory and no cached cross-attention keys");
    kv = multihead_attn->project_kv(with_pos(memory, in.pos), memory);
    if (cache) cache->cross_attn = kv;
  }
  return multihead_attn->attend(with_pos(x, in.query_pos), kv, in.memory_key_padding_mask);
}

torch::Tensor TransformerDecoderLayerImpl::forward(const torch::Tensor& tgt, const torch::Tensor& memory,
                                                   const DecoderInputs& in, DecoderLayerCache* cache) {
  const auto residual = [&](torch::nn::Dropout& dropout, const torch::Tensor& branch) {
    return drop_path_(dropout(branch));
  };
  if (options.normalize_before()) {
    auto out = tgt + residual(dropout1_, self_attention(norm1(tgt), in, cache));
    out = out + residual(dropout2_, cross_attention(norm2(out), memory, in, cache));
    return out + residual(dropout3_, ffn(norm3(out)));
  }
  auto out = norm1(tgt + residual(dropout1_, self_attention(tgt, in, cache)));
  out = norm2(out + residual(dropout2_, cross_attention(out, memory, in, cache)));
  return norm3(out + residual(dropout3_, ffn(out)));
}

// ---- stacks ------------------------------------------------------------------------------------

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerLayerOptions& options, int64_t num_layers,
                                               bool final_norm) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(TransformerEncoderLayer(options));
  if (final_norm) norm = register_module("norm", layer_norm(options.d_model()));
}

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor src, const torch::Tensor& key_padding_mask,
                                              const torch::Tensor& pos) {
  for (const auto& layer : *layers) src = layer->as<TransformerEncoderLayer>()->forward(src, key_padding_mask, pos);
  return norm ? norm(src) : src;
}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerLayerOptions& options, int64_t num_layers,
                                               bool final_norm) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(TransformerDecoderLayer(options));
  if (final_norm) norm = register_module("norm", layer_norm(options.d_model()));
}

torch::Tensor TransformerDecoderImpl::forward(torch::Tensor tgt, const torch::Tensor& memory, const DecoderInputs& in,
                                              std::vector<DecoderLayerCache>* caches) {
  if (caches && caches->size() != layers->size()) caches->resize(layers->size());
  std::vector<torch::Tensor> outputs;
  for (size_t i = 0; i < layers->size(); ++i) {
    tgt = layers[i]->as<TransformerDecoderLayer>()->forward(tgt, memory, in, caches ? &(*caches)[i] : nullptr);
    outputs.push_back(norm ? norm(tgt) : tgt);
  }
  return torch::stack(outputs);
}

}  // namespace detseq
