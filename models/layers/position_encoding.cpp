#include "models/layers/position_encoding.h"

#include <torch/nn/init.h>

#include "core/util/error.h"

namespace detseq {
namespace {

struct SinePositionalEncodingOptions {
  int64_t num_feats = 128;
  double temperature = 10000.0;
  bool normalize = true;
  double scale = 2.0 * M_PI;
  double eps = 1e-6;
  template <class V>
  void visit(V& v) {
    v("num_feats", num_feats, "features per axis (even; the encoding has 2 * num_feats channels = embed_dims)")
        .positive();
    v("temperature", temperature, "frequency base").positive();
    v("normalize", normalize, "divide positions by the valid image extent");
    v("scale", scale, "scale of normalised positions (2*pi)");
    v("eps", eps, "added to the extent before dividing").non_negative();
  }
};

struct LearnedPositionalEncodingOptions {
  int64_t num_feats = 128;
  int64_t num_embed = 50;
  template <class V>
  void visit(V& v) {
    v("num_feats", num_feats, "features per axis (2 * num_feats = embed_dims)").positive();
    v("num_embed", num_embed, "table size per axis (the largest feature-map side)").positive();
  }
};

std::shared_ptr<PositionalEncoding> make_sine(const SinePositionalEncodingOptions& o) {
  return PositionEmbeddingSine(PositionEmbeddingSineOptions(o.num_feats)
                                   .temperature(o.temperature)
                                   .normalize(o.normalize)
                                   .scale(o.scale)
                                   .eps(o.eps))
      .ptr();
}
std::shared_ptr<PositionalEncoding> make_learned(const LearnedPositionalEncodingOptions& o) {
  return PositionEmbeddingLearned(PositionEmbeddingLearnedOptions(o.num_feats).num_embed(o.num_embed)).ptr();
}

}  // namespace

DETSEQ_REGISTER_FACTORY(PositionalEncoding, SinePositionalEncodingOptions, "SinePositionalEncoding",
                        "sine/cosine of the cumulative valid-pixel count along y and x (DETR)", make_sine);
DETSEQ_REGISTER_FACTORY(PositionalEncoding, LearnedPositionalEncodingOptions, "LearnedPositionalEncoding",
                        "learned row and column embedding tables (DETR's learned variant)", make_learned);

PositionEmbeddingSineImpl::PositionEmbeddingSineImpl(const PositionEmbeddingSineOptions& o) : options(o) {
  const int64_t num_feats = o.num_feats();
  if (num_feats <= 0 || num_feats % 2 != 0) {
    throw Error("PositionEmbeddingSine: num_feats must be a positive even number, got " + std::to_string(num_feats));
  }
}

torch::Tensor PositionEmbeddingSineImpl::forward(const torch::Tensor& mask) {
  if (mask.dim() != 3) throw Error("PositionEmbeddingSine: expected a [B, H, W] mask");
  const auto not_mask = mask.logical_not().to(torch::kFloat);
  auto y_embed = not_mask.cumsum(1);
  auto x_embed = not_mask.cumsum(2);
  const double eps = options.eps(), scale = options.scale();
  if (options.normalize()) {
    using torch::indexing::Slice;
    y_embed = y_embed / (y_embed.index({Slice(), Slice(-1, torch::indexing::None), Slice()}) + eps) * scale;
    x_embed = x_embed / (x_embed.index({Slice(), Slice(), Slice(-1, torch::indexing::None)}) + eps) * scale;
  }
  // Frequency of channel i: temperature^(2 * floor(i / 2) / num_feats).
  const int64_t num_feats = options.num_feats();
  auto dim_t = torch::arange(num_feats, mask.options().dtype(torch::kFloat));
  dim_t = torch::pow(options.temperature(), 2.0 * torch::div(dim_t, 2, "floor") / static_cast<double>(num_feats));
  auto encode = [&](const torch::Tensor& embed) {
    auto pos = embed.unsqueeze(-1) / dim_t;  // [B, H, W, F]
    using torch::indexing::Slice;
    auto sin = pos.index({"...", Slice(0, torch::indexing::None, 2)}).sin();
    auto cos = pos.index({"...", Slice(1, torch::indexing::None, 2)}).cos();
    return torch::stack({sin, cos}, 4).flatten(3);  // interleave sin/cos per frequency
  };
  return torch::cat({encode(y_embed), encode(x_embed)}, 3).permute({0, 3, 1, 2}).contiguous();
}

PositionEmbeddingLearnedImpl::PositionEmbeddingLearnedImpl(const PositionEmbeddingLearnedOptions& o) : options(o) {
  const int64_t num_feats = o.num_feats(), num_embed = o.num_embed();
  row_embed = register_module("row_embed", torch::nn::Embedding(num_embed, num_feats));
  col_embed = register_module("col_embed", torch::nn::Embedding(num_embed, num_feats));
  torch::nn::init::uniform_(row_embed->weight);
  torch::nn::init::uniform_(col_embed->weight);
}

torch::Tensor PositionEmbeddingLearnedImpl::forward(const torch::Tensor& mask) {
  const int64_t b = mask.size(0), h = mask.size(1), w = mask.size(2);
  if (h > row_embed->weight.size(0) || w > col_embed->weight.size(0)) {
    throw Error("PositionEmbeddingLearned: feature map " + std::to_string(h) + "x" + std::to_string(w) +
                " is larger than the table (" + std::to_string(row_embed->weight.size(0)) +
                " entries); raise num_embed");
  }
  auto dev = row_embed->weight.device();
  auto x_emb = col_embed(torch::arange(w, torch::TensorOptions().dtype(torch::kLong).device(dev)));  // [W, F]
  auto y_emb = row_embed(torch::arange(h, torch::TensorOptions().dtype(torch::kLong).device(dev)));  // [H, F]
  const int64_t f = x_emb.size(1);
  auto pos = torch::cat({x_emb.unsqueeze(0).expand({h, w, f}), y_emb.unsqueeze(1).expand({h, w, f})}, -1);
  return pos.permute({2, 0, 1}).unsqueeze(0).expand({b, 2 * f, h, w}).contiguous();
}

}  // namespace detseq
