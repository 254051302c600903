// Incremental Pix2Seq decoder state for a batch of images. With caching, each step embeds one
// token, appends its self-attention keys/values to every layer's cache and attends to the image
// keys/values projected once on the first step. Without caching, each step re-runs the decoder on
// the whole prefix (what the reference implementations do); both give the same logits.
#pragma once
#include <vector>

#include "core/interfaces/sequence.h"
#include "models/heads/pix2seq_memory.h"

namespace detseq {

class Pix2SeqHead;

class Pix2SeqStepper : public SequenceStepper {
 public:
  Pix2SeqStepper(Pix2SeqHead& head, Pix2SeqMemory memory, bool use_cache);
  torch::Tensor step(const torch::Tensor& tokens) override;
  void reorder(const torch::Tensor& rows) override;
  int64_t position() const { return position_; }

 private:
  Pix2SeqHead& head_;
  Pix2SeqMemory memory_;
  DecoderInputs inputs_;  // memory_'s padding mask and positions; causal self-attention
  bool use_cache_;
  int64_t position_ = 0;
  std::vector<DecoderLayerCache> caches_;
  torch::Tensor history_;  // [N, t] tokens fed so far (no-cache mode)
};

}  // namespace detseq
