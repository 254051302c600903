#include "models/heads/detr_transformer.h"

#include <torch/nn/init.h>

#include "core/util/error.h"

namespace detseq {

DETRTransformerImpl::DETRTransformerImpl(const DETRTransformerOptions& options, int64_t embed_dims) {
  const auto layer = TransformerLayerOptions(embed_dims, options.num_heads)
                         .dim_feedforward(options.feedforward_channels)
                         .dropout(options.dropout)
                         .activation(build<Activation>(options.activation))
                         .normalize_before(options.pre_norm);
  encoder = register_module("encoder", TransformerEncoder(layer, options.num_encoder_layers, options.pre_norm));
  decoder = register_module("decoder", TransformerDecoder(layer, options.num_decoder_layers, true));
  // DETR initialises every matrix of the transformer with Xavier-uniform.
  for (auto& p : parameters()) {
    if (p.dim() > 1) torch::nn::init::xavier_uniform_(p);
  }
}

torch::Tensor DETRTransformerImpl::forward(const torch::Tensor& src, const torch::Tensor& mask,
                                           const torch::Tensor& query_embed, const torch::Tensor& pos) {
  auto memory = encoder(src, mask, pos);
  const int64_t b = src.size(0);
  auto query_pos = query_embed.unsqueeze(0).expand({b, query_embed.size(0), query_embed.size(1)});
  auto tgt = torch::zeros_like(query_pos);
  DecoderInputs in;
  in.memory_key_padding_mask = mask;
  in.pos = pos;
  in.query_pos = query_pos;
  return decoder(tgt, memory, in);
}

}  // namespace detseq
