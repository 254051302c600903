#include "models/layers/transformer_layers.h"

#include <torch/nn/functional/activation.h>

#include "core/util/error.h"

namespace detseq {
namespace {

torch::Tensor with_pos(const torch::Tensor& x, const torch::Tensor& pos) { return pos.defined() ? x + pos : x; }

torch::nn::LayerNorm layer_norm(int64_t d) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})); }

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

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerLayerConfig& cfg) : cfg_(cfg) {
  check_activation(cfg.activation);
  self_attn = register_module("self_attn", MultiheadAttention(cfg.d_model, cfg.nhead, cfg.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(cfg.d_model, cfg.dim_feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(cfg.dim_feedforward, cfg.d_model));
  norm1 = register_module("norm1", layer_norm(cfg.d_model));
  norm2 = register_module("norm2", layer_norm(cfg.d_model));
  // Dropouts hold no state; registered under names that do not clash with DETR's keys.
  dropout_ = register_module("dropout", torch::nn::Dropout(cfg.dropout));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(cfg.dropout));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(cfg.dropout));
}

torch::Tensor TransformerEncoderLayerImpl::ffn(const torch::Tensor& x) {
  return linear2(dropout_((*cfg_.activation)(linear1(x))));
}

torch::Tensor TransformerEncoderLayerImpl::forward(const torch::Tensor& src, const torch::Tensor& key_padding_mask,
                                                   const torch::Tensor& pos, const torch::Tensor& attn_mask) {
  if (cfg_.normalize_before) {
    auto x = norm1(src);
    auto qk = with_pos(x, pos);
    auto out = src + dropout1_(self_attn(qk, qk, x, key_padding_mask, attn_mask));
    return out + dropout2_(ffn(norm2(out)));
  }
  auto qk = with_pos(src, pos);
  auto out = norm1(src + dropout1_(self_attn(qk, qk, src, key_padding_mask, attn_mask)));
  return norm2(out + dropout2_(ffn(out)));
}

// ---- decoder layer -----------------------------------------------------------------------------

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerLayerConfig& cfg) : cfg_(cfg) {
  check_activation(cfg.activation);
  self_attn = register_module("self_attn", MultiheadAttention(cfg.d_model, cfg.nhead, cfg.dropout));
  multihead_attn = register_module("multihead_attn", MultiheadAttention(cfg.d_model, cfg.nhead, cfg.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(cfg.d_model, cfg.dim_feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(cfg.dim_feedforward, cfg.d_model));
  norm1 = register_module("norm1", layer_norm(cfg.d_model));
  norm2 = register_module("norm2", layer_norm(cfg.d_model));
  norm3 = register_module("norm3", layer_norm(cfg.d_model));
  dropout_ = register_module("dropout", torch::nn::Dropout(cfg.dropout));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(cfg.dropout));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(cfg.dropout));
  dropout3_ = register_module("dropout3", torch::nn::Dropout(cfg.dropout));
}

torch::Tensor TransformerDecoderLayerImpl::ffn(const torch::Tensor& x) {
  return linear2(dropout_((*cfg_.activation)(linear1(x))));
}

torch::Tensor TransformerDecoderLayerImpl::self_attention(const torch::Tensor& x, const DecoderInputs& in,
                                                          DecoderLayerCache* cache) {
  auto q = with_pos(x, in.query_pos);
  KVCache kv = self_attn->project_kv(q, x);
  if (cache) {
    cache->self_attn.append(kv);
    kv = cache->self_attn;
  }
  return self_attn->attend(q, kv, in.tgt_key_padding_mask, in.tgt_mask);
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
  if (cfg_.normalize_before) {
    auto out = tgt + dropout1_(self_attention(norm1(tgt), in, cache));
    out = out + dropout2_(cross_attention(norm2(out), memory, in, cache));
    return out + dropout3_(ffn(norm3(out)));
  }
  auto out = norm1(tgt + dropout1_(self_attention(tgt, in, cache)));
  out = norm2(out + dropout2_(cross_attention(out, memory, in, cache)));
  return norm3(out + dropout3_(ffn(out)));
}

// ---- stacks ------------------------------------------------------------------------------------

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerLayerConfig& cfg, int64_t num_layers,
                                               bool final_norm) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(TransformerEncoderLayer(cfg));
  if (final_norm) norm = register_module("norm", layer_norm(cfg.d_model));
}

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor src, const torch::Tensor& key_padding_mask,
                                              const torch::Tensor& pos) {
  for (const auto& layer : *layers) src = layer->as<TransformerEncoderLayer>()->forward(src, key_padding_mask, pos);
  return norm ? norm(src) : src;
}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerLayerConfig& cfg, int64_t num_layers,
                                               bool final_norm) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(TransformerDecoderLayer(cfg));
  if (final_norm) norm = register_module("norm", layer_norm(cfg.d_model));
}

torch::Tensor TransformerDecoderImpl::forward(torch::Tensor tgt, const torch::Tensor& memory,
                                              const DecoderInputs& in, std::vector<DecoderLayerCache>* caches) {
  if (caches && caches->size() != layers->size()) caches->resize(layers->size());
  std::vector<torch::Tensor> outputs;
  for (size_t i = 0; i < layers->size(); ++i) {
    tgt = layers[i]->as<TransformerDecoderLayer>()->forward(tgt, memory, in, caches ? &(*caches)[i] : nullptr);
    outputs.push_back(norm ? norm(tgt) : tgt);
  }
  return torch::stack(outputs);
}

}  // namespace detseq
