#include "models/heads/pix2seq_stepper.h"

#include "models/heads/pix2seq_head.h"

namespace detseq {

Pix2SeqStepper::Pix2SeqStepper(Pix2SeqHead& head, Pix2SeqMemory memory, bool use_cache)
    : head_(head), memory_(std::move(memory)), inputs_(memory_.decoder_inputs()), use_cache_(use_cache) {
  caches_.resize(head.decoder->size());
}

torch::Tensor Pix2SeqStepper::step(const torch::Tensor& tokens) {
  torch::Tensor x;
  if (use_cache_) {
    x = head_.embed_tokens(tokens.unsqueeze(1), position_);
    for (size_t i = 0; i < head_.decoder->size(); ++i) {
      x = head_.decoder[i]->as<TransformerDecoderLayer>()->forward(x, memory_.memory, inputs_, &caches_[i]);
    }
  } else {
    history_ = history_.defined() ? torch::cat({history_, tokens.unsqueeze(1)}, 1) : tokens.unsqueeze(1);
    x = head_.embed_tokens(history_, 0);
    for (size_t i = 0; i < head_.decoder->size(); ++i) {
      x = head_.decoder[i]->as<TransformerDecoderLayer>()->forward(x, memory_.memory, inputs_);
    }
    x = x.narrow(1, x.size(1) - 1, 1);
  }
  ++position_;
  return head_.output_logits(x).squeeze(1);
}

void Pix2SeqStepper::reorder(const torch::Tensor& rows) {
  auto idx = rows.to(memory_.memory.device());
  memory_ = memory_.index_select(idx);
  inputs_ = memory_.decoder_inputs();
  for (auto& cache : caches_) {
    cache.self_attn = cache.self_attn.index_select(idx);
    cache.cross_attn = cache.cross_attn.index_select(idx);
  }
  if (history_.defined()) history_ = history_.index_select(0, idx);
}

}  // namespace detseq
