#include "models/heads/pix2seq_memory.h"

namespace detseq {

Pix2SeqMemory Pix2SeqMemory::index_select(const torch::Tensor& rows) const {
  auto pick = [&](const torch::Tensor& t) { return t.defined() ? t.index_select(0, rows) : t; };
  return {pick(memory), pick(key_padding_mask), pick(pos)};
}

DecoderInputs Pix2SeqMemory::decoder_inputs() const {
  DecoderInputs in;
  in.memory_key_padding_mask = key_padding_mask;
  in.pos = pos;
  in.causal = true;
  return in;
}

}  // namespace detseq
