#include "models/sequence/decoding.h"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

#include "core/util/error.h"

namespace detseq {

namespace {
const double kNegInf = -std::numeric_limits<double>::infinity();

// A sequence ends when it emits the end token where a new object would start.
bool ends_here(const TokenConstraints& c, int64_t t) { return c.stop_on_end && t % c.period == 0; }
}  // namespace

torch::Tensor apply_constraints(const torch::Tensor& logits, const TokenConstraints& c, int64_t t) {
  if (!c.allowed.defined()) return logits;
  auto allowed = c.allowed[t % c.period].to(logits.device());
  return logits.masked_fill(allowed.logical_not().unsqueeze(0), kNegInf);
}

DecodeResult TokenwiseDecoding::decode(SequenceStepper& model, const torch::Tensor& prompt, int64_t max_len,
                                       const TokenConstraints& c, uint64_t seed) const {
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  const int64_t batch = prompt.size(0);
  auto ended = torch::zeros({batch}, torch::dtype(torch::kBool).device(prompt.device()));
  std::vector<torch::Tensor> tokens, logits;
  torch::Tensor current = prompt;
  for (int64_t t = 0; t < max_len; ++t) {
    auto step_logits = model.step(current);
    auto next = select(apply_constraints(step_logits, c, t), generator).to(prompt.device());
    next = torch::where(ended, torch::full_like(next, c.pad_token), next);
    tokens.push_back(next);
    logits.push_back(step_logits);
    if (ends_here(c, t)) ended = ended.logical_or(next == c.end_token);
    if (ended.all().item<bool>()) break;
    current = next;
  }
  return {torch::stack(tokens, 1), torch::stack(logits, 1)};
}

torch::Tensor GreedyDecoding::select(const torch::Tensor& logits, torch::Generator&) const { return logits.argmax(-1); }

SamplingDecoding::SamplingDecoding(const SamplingDecodingOptions& options)
    : options_(options), rule_(sampling::parse_top_p_rule(options.top_p_rule)) {
}

torch::Tensor SamplingDecoding::filtered(const torch::Tensor& logits) const {
  auto scaled = logits.to(torch::kFloat32) / options_.temperature;
  return sampling::top_p_filter(sampling::top_k_filter(scaled, options_.top_k), options_.top_p, rule_);
}

torch::Tensor SamplingDecoding::select(const torch::Tensor& logits, torch::Generator& generator) const {
  // Sample on the CPU so that one seeded generator gives the same tokens on every device.
  auto probs = filtered(logits).softmax(-1).to(torch::kCPU);
  return torch::multinomial(probs, 1, false, generator).squeeze(1);
}

BeamSearchDecoding::BeamSearchDecoding(const BeamSearchDecodingOptions& options) : options_(options) {
}

DecodeResult BeamSearchDecoding::decode(SequenceStepper& model, const torch::Tensor& prompt, int64_t max_len,
                                        const TokenConstraints& c, uint64_t) const {
  const int64_t batch = prompt.size(0), k = options_.beam_size;
  const auto device = prompt.device();
  auto rows = torch::arange(batch, torch::dtype(torch::kInt64).device(device)).repeat_interleave(k);
  model.reorder(rows);
  torch::Tensor current = prompt.index_select(0, rows);
  // Only beam 0 is live at first, so the first step does not pick k copies of one token.
  auto scores = torch::full({batch, k}, kNegInf, torch::dtype(torch::kFloat32).device(device));
  scores.select(1, 0).fill_(0);
  auto ended = torch::zeros({batch * k}, torch::dtype(torch::kBool).device(device));
  torch::Tensor hist_tokens, hist_logits;  // [batch*k, t], [batch*k, t, V]
  for (int64_t t = 0; t < max_len; ++t) {
    auto step_logits = model.step(current);
    const int64_t vocab = step_logits.size(-1);
    auto logp = apply_constraints(step_logits, c, t).to(torch::kFloat32).log_softmax(-1);
    // An ended beam continues with padding at no cost, so it keeps its score.
    auto pad_only = torch::full_like(logp, kNegInf);
    pad_only.select(1, c.pad_token).fill_(0);
    logp = torch::where(ended.unsqueeze(1), pad_only, logp);
    auto candidates = (scores.unsqueeze(2) + logp.view({batch, k, vocab})).view({batch, k * vocab});
    auto [best, index] = candidates.topk(k, 1);
    auto beam = index.div(vocab, "floor");
    auto token = index.remainder(vocab).reshape({-1});
    auto src = (beam + torch::arange(batch, beam.options()).unsqueeze(1) * k).reshape({-1});
    model.reorder(src);
    scores = best;
    ended = ended.index_select(0, src);
    auto chosen_logits = step_logits.index_select(0, src);
    hist_tokens = hist_tokens.defined() ? torch::cat({hist_tokens.index_select(0, src), token.unsqueeze(1)}, 1)
                                        : token.unsqueeze(1);
    hist_logits = hist_logits.defined()
                      ? torch::cat({hist_logits.index_select(0, src), chosen_logits.unsqueeze(1)}, 1)
                      : chosen_logits.unsqueeze(1);
    if (ends_here(c, t)) ended = ended.logical_or(token == c.end_token);
    if (ended.all().item<bool>()) break;
    current = token;
  }
  // topk sorts, so beam 0 of every image is its best sequence.
  auto best_rows = torch::arange(batch, torch::dtype(torch::kInt64).device(device)) * k;
  return {hist_tokens.index_select(0, best_rows), hist_logits.index_select(0, best_rows)};
}

DETSEQ_REGISTER_AS(Decoding, GreedyDecoding, GreedyDecodingOptions, "GreedyDecoding", "argmax token at every step");
DETSEQ_REGISTER_AS(Decoding, SamplingDecoding, SamplingDecodingOptions, "SamplingDecoding",
                   "temperature, top-k and nucleus (official or common rule) sampling");
DETSEQ_REGISTER_AS(Decoding, BeamSearchDecoding, BeamSearchDecodingOptions, "BeamSearchDecoding",
                   "beam search on the sum of token log-probabilities");

}  // namespace detseq
