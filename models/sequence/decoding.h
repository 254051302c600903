// Decoding strategies over a SequenceStepper: token-by-token selection (greedy, temperature,
// top-k, nucleus) and beam search. All honour TokenConstraints and stop early once every
// sequence of the batch has emitted the end token at an object boundary.
#pragma once
#include <string>

#include "core/interfaces/sequence.h"
#include "models/sequence/sampling.h"

namespace detseq {

struct GreedyDecodingOptions {
  template <class V>
  void visit(V&) {}
};

struct SamplingDecodingOptions {
  double temperature = 1.0;
  int64_t top_k = 0;
  double top_p = 1.0;
  std::string top_p_rule = "official";
  template <class V>
  void visit(V& v) {
    v("temperature", temperature, "logits are divided by this before filtering and sampling").positive();
    v("top_k", top_k, "keep the k most likely tokens (0: all)").non_negative();
    v("top_p", top_p, "nucleus threshold (1: off); the official recipe uses 0.3").range(0.0, 1.0).positive();
    v("top_p_rule", top_p_rule, "official (cumulative <= p, plus top-1) or common (smallest prefix reaching p)")
        .one_of({"official", "common"});
  }
};

struct BeamSearchDecodingOptions {
  int64_t beam_size = 4;
  template <class V>
  void visit(V& v) {
    v("beam_size", beam_size, "beams per image; the best total log-probability wins").positive();
  }
};

// Picks one token per row from constrained logits.
class TokenwiseDecoding : public Decoding {
 public:
  DecodeResult decode(SequenceStepper& model, const torch::Tensor& prompt, int64_t max_len,
                      const TokenConstraints& constraints, uint64_t seed) const override;

 protected:
  virtual torch::Tensor select(const torch::Tensor& logits, torch::Generator& generator) const = 0;
};

class GreedyDecoding : public TokenwiseDecoding {
 public:
  explicit GreedyDecoding(const GreedyDecodingOptions&) {}

 protected:
  torch::Tensor select(const torch::Tensor& logits, torch::Generator& generator) const override;
};

class SamplingDecoding : public TokenwiseDecoding {
 public:
  explicit SamplingDecoding(const SamplingDecodingOptions& options);
  // The filtered, temperature-scaled logits that are sampled from (exposed for tests).
  torch::Tensor filtered(const torch::Tensor& logits) const;

 protected:
  torch::Tensor select(const torch::Tensor& logits, torch::Generator& generator) const override;

 private:
  SamplingDecodingOptions options_;
  sampling::TopPRule rule_;
};

class BeamSearchDecoding : public Decoding {
 public:
  explicit BeamSearchDecoding(const BeamSearchDecodingOptions& options);
  DecodeResult decode(SequenceStepper& model, const torch::Tensor& prompt, int64_t max_len,
                      const TokenConstraints& constraints, uint64_t seed) const override;

 private:
  BeamSearchDecodingOptions options_;
};

// Masks the logits of tokens not allowed at step t (from the first generated token) with -inf.
torch::Tensor apply_constraints(const torch::Tensor& logits, const TokenConstraints& constraints, int64_t t);

}  // namespace detseq
