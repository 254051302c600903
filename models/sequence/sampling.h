// Logit filters used by the sampling decoders. Filtered-out entries become -inf.
#pragma once
#include <torch/types.h>

#include <string>

namespace detseq::sampling {

// Keeps the k largest logits per row (k <= 0: all).
torch::Tensor top_k_filter(const torch::Tensor& logits, int64_t k);

enum class TopPRule {
  // google-research/pix2seq: keep every token whose INCLUSIVE cumulative probability (sorted
  // descending) is <= p, and always the top-1. With p = 0.3 and probs (0.5, 0.3, 0.2) only the
  // top-1 survives; the kept mass is at most p unless the top-1 alone exceeds it.
  kOfficial,
  // Holtzman et al. / Hugging Face: the smallest prefix whose cumulative probability reaches p
  // (keep a token while the EXCLUSIVE cumulative probability is < p). Same example, p = 0.6:
  // official keeps {0.5}, common keeps {0.5, 0.3}.
  kCommon,
};
TopPRule parse_top_p_rule(const std::string& name);

// Nucleus filter over rows of logits; p >= 1 keeps everything.
torch::Tensor top_p_filter(const torch::Tensor& logits, double p, TopPRule rule);

}  // namespace detseq::sampling
