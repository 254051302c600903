#include "models/layers/multihead_attention.h"

#include <torch/nn/functional/dropout.h>
#include <torch/nn/init.h>

#include <cmath>

#include "core/util/error.h"

namespace detseq {

void KVCache::append(const KVCache& step) {
  if (step.empty()) return;
  if (empty()) {
    k = step.k;
    v = step.v;
    return;
  }
  k = torch::cat({k, step.k}, 2);
  v = torch::cat({v, step.v}, 2);
}

KVCache KVCache::index_select(const torch::Tensor& index) const {
  if (empty()) return {};
  return {k.index_select(0, index), v.index_select(0, index)};
}

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& o)
    : options(o), head_dim_(o.num_heads() > 0 ? o.embed_dim() / o.num_heads() : 0) {
  const int64_t embed_dim = o.embed_dim(), num_heads = o.num_heads();
  const bool bias = o.bias();
  if (num_heads <= 0 || embed_dim % num_heads != 0) {
    throw Error("MultiheadAttention: embed_dim " + std::to_string(embed_dim) + " must be divisible by num_heads " +
                std::to_string(num_heads));
  }
  // Same initialisation as torch.nn.MultiheadAttention.
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * embed_dim, embed_dim}));
  torch::nn::init::xavier_uniform_(in_proj_weight);
  if (bias) in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * embed_dim}));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(embed_dim, embed_dim).bias(bias)));
  if (bias) torch::nn::init::zeros_(out_proj->bias);
}

torch::Tensor MultiheadAttentionImpl::project(const torch::Tensor& x, int64_t part) const {
  if (x.dim() != 3 || x.size(2) != options.embed_dim()) {
    throw Error("MultiheadAttention: expected input [B, N, " + std::to_string(options.embed_dim()) + "], got " +
                c10::str(x.sizes()));
  }
  auto w = in_proj_weight.narrow(0, part * options.embed_dim(), options.embed_dim());
  auto b = in_proj_bias.defined() ? in_proj_bias.narrow(0, part * options.embed_dim(), options.embed_dim())
                                  : torch::Tensor();
  return torch::linear(x, w, b);
}

torch::Tensor MultiheadAttentionImpl::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), options.num_heads(), head_dim_}).transpose(1, 2);
}

torch::Tensor MultiheadAttentionImpl::project_q(const torch::Tensor& query) const {
  return split_heads(project(query, 0)) * (1.0 / std::sqrt(static_cast<double>(head_dim_)));
}

KVCache MultiheadAttentionImpl::project_kv(const torch::Tensor& key, const torch::Tensor& value) const {
  if (key.size(0) != value.size(0) || key.size(1) != value.size(1)) {
    throw Error("MultiheadAttention: key " + c10::str(key.sizes()) + " and value " + c10::str(value.sizes()) +
                " must have the same batch and length");
  }
  return {split_heads(project(key, 1)), split_heads(project(value, 2))};
}

torch::Tensor MultiheadAttentionImpl::attend(const torch::Tensor& query, const KVCache& kv,
                                             const torch::Tensor& key_padding_mask, const torch::Tensor& attn_mask) {
  if (kv.empty()) throw Error("MultiheadAttention::attend: empty key/value cache");
  const int64_t b = query.size(0), l = query.size(1), s = kv.k.size(2);
  auto logits = torch::matmul(project_q(query), kv.k.transpose(-2, -1));  // [B, h, L, S]
  if (attn_mask.defined()) {
    if (attn_mask.dim() != 2 || attn_mask.size(0) != l || attn_mask.size(1) != s) {
      throw Error("MultiheadAttention: attn_mask must be [" + std::to_string(l) + ", " + std::to_string(s) + "], got " +
                  c10::str(attn_mask.sizes()));
    }
    logits = attn_mask.scalar_type() == torch::kBool
                 ? logits.masked_fill(attn_mask, -std::numeric_limits<float>::infinity())
                 : logits + attn_mask;
  }
  if (key_padding_mask.defined()) {
    if (key_padding_mask.dim() != 2 || key_padding_mask.size(0) != b || key_padding_mask.size(1) != s) {
      throw Error("MultiheadAttention: key_padding_mask must be [" + std::to_string(b) + ", " + std::to_string(s) +
                  "], got " + c10::str(key_padding_mask.sizes()));
    }
    logits = logits.masked_fill(key_padding_mask.view({b, 1, 1, s}), -std::numeric_limits<float>::infinity());
  }
  auto weights = torch::softmax(logits, -1);
  if (options.dropout() > 0.0) weights = torch::dropout(weights, options.dropout(), is_training());
  auto out = torch::matmul(weights, kv.v).transpose(1, 2).reshape({b, l, options.embed_dim()});
  return out_proj(out);
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& key,
                                              const torch::Tensor& value, const torch::Tensor& key_padding_mask,
                                              const torch::Tensor& attn_mask) {
  return attend(query, project_kv(key, value), key_padding_mask, attn_mask);
}

}  // namespace detseq
