// Sequence-modelling interfaces used by Pix2Seq: a Tokenizer (boxes/classes <-> tokens), a
// SequenceBuilder (training input/target/weight sequences with augmentation) and a Decoding
// strategy (greedy, sampling, beam search) that drives an incremental SequenceStepper.
// Implementations live in models/sequence/ and register with DETSEQ_REGISTER.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/registry/registry.h"
#include "core/structures/sample.h"

namespace detseq {

// One token scheme. Boxes enter and leave as xyxy pixels of the (padded) network input; the
// scheme decides the coordinate order, normalisation, quantisation and token ids.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual int64_t vocab_size() const = 0;        // rows of the output classifier
  virtual int64_t input_vocab_size() const = 0;  // rows of the input token embedding
  // First decoder input. Negative: the scheme uses a dedicated learned prompt vector instead of a
  // token row (the mmdetection port's `det_embed`).
  virtual int64_t prompt_token() const = 0;
  virtual int64_t end_token() const = 0;    // ends a sequence (official: = padding 0)
  virtual int64_t pad_token() const = 0;    // fills after the end
  virtual int64_t noise_token() const = 0;  // the fake class of noise objects
  // Token range [begin, end) of class tokens that scoring considers (official: every class slot).
  virtual std::pair<int64_t, int64_t> class_range() const = 0;
  virtual std::pair<int64_t, int64_t> coord_range() const = 0;
  // Token ids of the input vocabulary a corrupted class may take ("random class").
  virtual std::pair<int64_t, int64_t> random_class_range() const = 0;
  virtual int64_t class_token(int64_t label) const = 0;
  // Contiguous label of a class token, or -1 for tokens that are no known class.
  virtual int64_t label_of(int64_t token) const = 0;
  // boxes float [N, 4] xyxy pixels of an input of size (height, width) -> int64 [N, 4] tokens in
  // the scheme's coordinate order.
  virtual torch::Tensor encode_boxes(const torch::Tensor& boxes, int64_t height, int64_t width) const = 0;
  // int64 [..., 4] coordinate tokens -> float [..., 4] xyxy pixels, clipped to the input.
  virtual torch::Tensor decode_boxes(const torch::Tensor& tokens, int64_t height, int64_t width) const = 0;
  // The same without clipping to the input (what the quantised values mean; tokens outside the
  // coordinate range count as its nearest end).
  virtual torch::Tensor dequantize_boxes(const torch::Tensor& tokens, int64_t height, int64_t width) const = 0;
  // Boxes normalised to [0, 1] in the space where noise is generated (official: the padded input).
  virtual torch::Tensor normalise(const torch::Tensor& boxes, int64_t height, int64_t width) const = 0;
  virtual torch::Tensor denormalise(const torch::Tensor& unit_boxes, int64_t height, int64_t width) const = 0;
  static constexpr int64_t kTokensPerObject = 5;  // four coordinates + class
};

// Training sequences of a batch, all [B, L]. input[t] is fed to predict target[t].
struct TrainSequences {
  torch::Tensor input;   // int64, starts with the prompt token
  torch::Tensor target;  // int64
  torch::Tensor weight;  // float32
  torch::Tensor noise;   // bool, true at tokens of noise objects (for tests and diagnostics)
};

// Builds training sequences. `seeds` holds one seed per image so that the augmentation of an
// image does not depend on the rest of the batch.
class SequenceBuilder {
 public:
  virtual ~SequenceBuilder() = default;
  virtual TrainSequences build(const std::vector<Instances>& instances, int64_t height, int64_t width,
                               const Tokenizer& tokenizer, const std::vector<uint64_t>& seeds) const = 0;
  // Normalises the weighted per-token cross-entropy [B, L] into the loss.
  virtual torch::Tensor reduce_loss(const torch::Tensor& token_ce, const TrainSequences& seqs) const = 0;
  virtual int64_t max_objects() const = 0;
};

// An autoregressive model whose state (caches) advances one token per call, for a set of rows.
class SequenceStepper {
 public:
  virtual ~SequenceStepper() = default;
  // tokens int64 [N] at the next position -> logits float [N, V] for the position after it.
  virtual torch::Tensor step(const torch::Tensor& tokens) = 0;
  // Keeps/duplicates rows of the state: new row i = old row rows[i] (beam search).
  virtual void reorder(const torch::Tensor& rows) = 0;
};

// Which tokens may appear at each position: position t (counted from the first generated token)
// uses allowed[t % period].
struct TokenConstraints {
  torch::Tensor allowed;  // bool [period, V]; undefined = no constraints
  int64_t end_token = 0;
  int64_t pad_token = 0;
  int64_t period = Tokenizer::kTokensPerObject;
  // A sequence ends when it emits the end token at a position where t % period == 0; false:
  // always generate max_len tokens.
  bool stop_on_end = true;
};

struct DecodeResult {
  torch::Tensor tokens;  // int64 [B, T] generated tokens (after the prompt); pad after the end
  torch::Tensor logits;  // float [B, T, V] raw logits that predicted each token (for scoring)
};

class Decoding {
 public:
  virtual ~Decoding() = default;
  // Generates up to `max_len` tokens for `batch` rows, starting from `prompt` (int64 [batch]).
  virtual DecodeResult decode(SequenceStepper& model, const torch::Tensor& prompt, int64_t max_len,
                              const TokenConstraints& constraints, uint64_t seed) const = 0;
};

DETSEQ_DECLARE_FAMILY(Tokenizer, "tokenizer", "boxes and classes <-> token ids (Pix2Seq token schemes)");
DETSEQ_DECLARE_FAMILY(SequenceBuilder, "sequence_builder",
                      "training sequences: object order, noise objects, class corruption, token weights");
DETSEQ_DECLARE_FAMILY(Decoding, "decoding", "autoregressive decoding: greedy, sampling, beam search");

}  // namespace detseq
