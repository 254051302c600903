// Multi-head attention, batch-first, with an explicit key/value cache for incremental decoding.
//
// Parameters keep torch.nn.MultiheadAttention's state-dict layout so DETR / PyTorch checkpoints
// load by name: `in_proj_weight` [3E, E] and `in_proj_bias` [3E] (rows: q, k, v) and `out_proj`
// (Linear E->E). The fused parameter is SLICED per use, so queries, keys and values are projected
// separately (keys and values may come from different tensors and be projected at different times).
//
// Cache API (shapes: B batch, L queries, S keys, E embed dim, h heads, d = E / h):
//   KVCache kv = attn->project_kv(key, value);        // key/value [B, S, E] -> kv.k, kv.v [B, h, S, d]
//   out = attn->attend(query, kv, key_padding_mask);  // query [B, L, E] -> [B, L, E]
//   kv.append(attn->project_kv(k_new, v_new));        // grow a self-attention cache by new steps
//   out = attn->forward(query, key, value, mask);      // = attend(query, project_kv(key, value), mask)
// Cross-attention over a fixed memory: project it once with project_kv and call attend every step.
// Masks: key_padding_mask bool [B, S], true = ignore that key; attn_mask bool [L, S] (true = not
// allowed) or float [L, S] (added to the logits). Rows with every key masked give NaN, as PyTorch.
#pragma once
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace detseq {

// Projected keys and values, [B, heads, S, head_dim] each; empty until first filled.
struct KVCache {
  torch::Tensor k, v;
  bool empty() const { return !k.defined(); }
  int64_t length() const { return empty() ? 0 : k.size(2); }
  // Concatenates `step` after the cached keys/values (along S).
  void append(const KVCache& step);
  // Keeps batch rows `index` (int64 [B']) e.g. after beam reordering or dropping finished rows.
  KVCache index_select(const torch::Tensor& index) const;
};

// MultiheadAttentionOptions(256, 8).dropout(0.1): torch.nn.MultiheadAttention's arguments.
struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  TORCH_ARG(int64_t, embed_dim);
  TORCH_ARG(int64_t, num_heads);
  TORCH_ARG(double, dropout) = 0.0;  // on the attention weights, in training
  TORCH_ARG(bool, bias) = true;      // of the in and out projections
};

class MultiheadAttentionImpl : public torch::nn::Module {
 public:
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads, double dropout = 0.0)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads).dropout(dropout)) {}

  // query [B, L, E] -> projected, head-split and pre-scaled by 1/sqrt(d): [B, h, L, d].
  torch::Tensor project_q(const torch::Tensor& query) const;
  // key, value [B, S, E] -> KVCache with [B, h, S, d].
  KVCache project_kv(const torch::Tensor& key, const torch::Tensor& value) const;
  // Attention of `query` [B, L, E] over cached keys/values; returns [B, L, E] (after out_proj).
  torch::Tensor attend(const torch::Tensor& query, const KVCache& kv, const torch::Tensor& key_padding_mask = {},
                       const torch::Tensor& attn_mask = {});
  torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& key, const torch::Tensor& value,
                        const torch::Tensor& key_padding_mask = {}, const torch::Tensor& attn_mask = {});

  MultiheadAttentionOptions options;
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};

 private:
  // Projects with rows [part * E, (part + 1) * E) of the fused weight; part 0 = q, 1 = k, 2 = v.
  torch::Tensor project(const torch::Tensor& x, int64_t part) const;
  torch::Tensor split_heads(const torch::Tensor& x) const;  // [B, N, E] -> [B, h, N, d]

  int64_t head_dim_;
};
TORCH_MODULE(MultiheadAttention);

}  // namespace detseq
