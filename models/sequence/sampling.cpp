#include "models/sequence/sampling.h"

#include <limits>

#include "core/util/error.h"

namespace detseq::sampling {

namespace {
const double kNegInf = -std::numeric_limits<double>::infinity();
}

torch::Tensor top_k_filter(const torch::Tensor& logits, int64_t k) {
  if (k <= 0 || k >= logits.size(-1)) return logits;
  auto kth = std::get<0>(logits.topk(k, -1)).narrow(-1, k - 1, 1);
  return logits.masked_fill(logits < kth, kNegInf);
}

TopPRule parse_top_p_rule(const std::string& name) {
  if (name == "official") return TopPRule::kOfficial;
  if (name == "common") return TopPRule::kCommon;
  throw ConfigError("top_p_rule must be 'official' (pix2seq) or 'common' (smallest prefix reaching p), got '" + name + "'");
}

torch::Tensor top_p_filter(const torch::Tensor& logits, double p, TopPRule rule) {
  if (p >= 1.0) return logits;
  auto [sorted, order] = logits.sort(-1, /*descending=*/true);
  auto cumulative = sorted.softmax(-1).cumsum(-1);
  torch::Tensor keep_sorted;
  if (rule == TopPRule::kOfficial) {
    keep_sorted = cumulative <= p;
  } else {
    keep_sorted = (cumulative - sorted.softmax(-1)) < p;
  }
  // The top-1 always survives (both rules; the official one needs it when p < max prob).
  keep_sorted.select(-1, 0).fill_(true);
  auto keep = torch::zeros_like(keep_sorted).scatter(-1, order, keep_sorted);
  return logits.masked_fill(keep.logical_not(), kNegInf);
}

}  // namespace detseq::sampling
