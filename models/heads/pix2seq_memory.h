// What Pix2Seq's decoder attends to: the encoded image memory [B, S, E], its padding mask [B, S]
// and positions [B, S, E]; rows are reordered together when beam search regroups hypotheses.
#pragma once
#include <torch/types.h>

#include "models/layers/transformer_layers.h"

namespace detseq {

struct Pix2SeqMemory {
  torch::Tensor memory, key_padding_mask, pos;
  Pix2SeqMemory index_select(const torch::Tensor& rows) const;
  // The decoder layers' inputs: cross-attention to this memory, causal self-attention.
  DecoderInputs decoder_inputs() const;
};

}  // namespace detseq
