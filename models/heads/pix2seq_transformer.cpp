#include "models/heads/pix2seq_transformer.h"

#include "models/layers/transformer_layers.h"

namespace detseq {
namespace {
torch::Tensor with_pos(const torch::Tensor& x, const torch::Tensor& pos) { return pos.defined() ? x + pos : x; }
}  // namespace

std::vector<double> drop_path_schedule(double max_rate, int64_t n) {
  std::vector<double> rates;
  for (int64_t i = 0; i < n; ++i) rates.push_back(n > 1 ? max_rate * double(i) / double(n - 1) : max_rate);
  return rates;
}

Pix2SeqMemory Pix2SeqMemory::index_select(const torch::Tensor& rows) const {
  auto pick = [&](const torch::Tensor& t) { return t.defined() ? t.index_select(0, rows) : t; };
  return {pick(memory), pick(key_padding_mask), pick(pos)};
}

Pix2SeqEncoderLayerImpl::Pix2SeqEncoderLayerImpl(const Pix2SeqLayerConfig& cfg) : cfg_(cfg) {
  self_attn = register_module("self_attn", MultiheadAttention(cfg.d_model, cfg.nhead, cfg.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(cfg.d_model, cfg.dim_feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(cfg.dim_feedforward, cfg.d_model));
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.d_model})));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.d_model})));
  dropout_ = register_module("dropout", torch::nn::Dropout(cfg.dropout));
  drop_path_ = register_module("drop_path", DropPath(cfg.drop_path));
}

torch::Tensor Pix2SeqEncoderLayerImpl::ffn(const torch::Tensor& x) {
  return dropout_(linear2(dropout_((*cfg_.activation)(linear1(x)))));
}

torch::Tensor Pix2SeqEncoderLayerImpl::forward(const torch::Tensor& src, const torch::Tensor& mask,
                                               const torch::Tensor& pos) {
  auto attend = [&](const torch::Tensor& x) {
    auto q = with_pos(x, pos);
    return dropout_(self_attn(q, q, x, mask));
  };
  if (cfg_.normalize_before) {
    auto out = src + drop_path_(attend(norm1(src)));
    return out + drop_path_(ffn(norm2(out)));
  }
  auto out = norm1(src + drop_path_(attend(src)));
  return norm2(out + drop_path_(ffn(out)));
}

Pix2SeqDecoderLayerImpl::Pix2SeqDecoderLayerImpl(const Pix2SeqLayerConfig& cfg) : cfg_(cfg) {
  self_attn = register_module("self_attn", MultiheadAttention(cfg.d_model, cfg.nhead, cfg.dropout));
  multihead_attn = register_module("multihead_attn", MultiheadAttention(cfg.d_model, cfg.nhead, cfg.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(cfg.d_model, cfg.dim_feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(cfg.dim_feedforward, cfg.d_model));
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.d_model})));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.d_model})));
  norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.d_model})));
  dropout_ = register_module("dropout", torch::nn::Dropout(cfg.dropout));
  drop_path_ = register_module("drop_path", DropPath(cfg.drop_path));
}

torch::Tensor Pix2SeqDecoderLayerImpl::self_attention(const torch::Tensor& x, Pix2SeqLayerCache* cache) {
  const int64_t new_len = x.size(1);
  KVCache step = self_attn->project_kv(x, x);
  int64_t past = 0;
  if (cache) {
    past = cache->self.length();
    cache->self.append(step);
    step = cache->self;
  }
  // A single new token may see everything cached: no mask needed.
  torch::Tensor mask = new_len > 1 ? causal_mask(new_len, past, x.device()) : torch::Tensor();
  return dropout_(self_attn->attend(x, step, {}, mask));
}

torch::Tensor Pix2SeqDecoderLayerImpl::cross_attention(const torch::Tensor& x, const Pix2SeqMemory& m,
                                                       Pix2SeqLayerCache* cache) {
  KVCache kv;
  if (cache && !cache->cross.empty()) {
    kv = cache->cross;
  } else {
    kv = multihead_attn->project_kv(with_pos(m.memory, m.pos), m.memory);
    if (cache) cache->cross = kv;
  }
  return dropout_(multihead_attn->attend(x, kv, m.key_padding_mask));
}

torch::Tensor Pix2SeqDecoderLayerImpl::ffn(const torch::Tensor& x) {
  return dropout_(linear2(dropout_((*cfg_.activation)(linear1(x)))));
}

torch::Tensor Pix2SeqDecoderLayerImpl::forward(const torch::Tensor& x, const Pix2SeqMemory& memory,
                                               Pix2SeqLayerCache* cache) {
  if (cfg_.normalize_before) {
    auto out = x + drop_path_(self_attention(norm1(x), cache));
    out = out + drop_path_(cross_attention(norm2(out), memory, cache));
    return out + drop_path_(ffn(norm3(out)));
  }
  auto out = norm1(x + drop_path_(self_attention(x, cache)));
  out = norm2(out + drop_path_(cross_attention(out, memory, cache)));
  return norm3(out + drop_path_(ffn(out)));
}

}  // namespace detseq
