// DETR's encoder-decoder transformer: `encoder.layers.*` (+ `encoder.norm` in pre-norm only) and
// `decoder.layers.*` + `decoder.norm`, as in facebookresearch/detr's state dicts.
#pragma once
#include "core/registry/options.h"
#include "models/layers/transformer_layers.h"

namespace detseq {

struct DETRTransformerOptions {
  int64_t num_encoder_layers = 6;
  int64_t num_decoder_layers = 6;
  int64_t num_heads = 8;
  int64_t feedforward_channels = 2048;
  double dropout = 0.1;
  ComponentCfg activation = ComponentCfg::of("ReLU");
  bool pre_norm = false;
  template <class V>
  void visit(V& v) {
    v("num_encoder_layers", num_encoder_layers, "encoder layers (DETR: 6)").non_negative();
    v("num_decoder_layers", num_decoder_layers, "decoder layers (DETR: 6); each gives an (aux) output").positive();
    v("num_heads", num_heads, "attention heads (must divide embed_dims)").positive();
    v("feedforward_channels", feedforward_channels, "hidden width of the FFN").positive();
    v("dropout", dropout, "dropout in attention and FFN").range(0.0, 1.0);
    v("activation", activation, "activation of the FFN: {type: ReLU} | {type: GELU}");
    v("pre_norm", pre_norm, "pre-norm layers (DETR's normalize_before); default post-norm");
  }
};

class DETRTransformerImpl : public torch::nn::Module {
 public:
  DETRTransformerImpl(const DETRTransformerOptions& options, int64_t embed_dims);
  // src, pos [B, S, E]; mask bool [B, S] (true = padding); query_embed [Q, E].
  // Returns the decoder outputs of every layer [L, B, Q, E].
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& mask, const torch::Tensor& query_embed,
                        const torch::Tensor& pos);

  TransformerEncoder encoder{nullptr};
  TransformerDecoder decoder{nullptr};
};
TORCH_MODULE(DETRTransformer);

}  // namespace detseq
