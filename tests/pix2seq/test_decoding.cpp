// Decoding strategies on hand-made distributions and a toy Markov model.
#include <gtest/gtest.h>

#include <cmath>

#include "core/config/yaml_io.h"
#include "models/sequence/decoding.h"

using namespace detseq;

namespace {

std::shared_ptr<Decoding> make(const std::string& yaml) { return build<Decoding>(parse_yaml_string(yaml, "test"), "d"); }

torch::Tensor logits_of(std::vector<double> probs) {
  return torch::tensor(probs, torch::kFloat64).log().to(torch::kFloat32).unsqueeze(0);
}
std::vector<bool> kept(const torch::Tensor& filtered) {
  std::vector<bool> out;
  for (int64_t i = 0; i < filtered.size(1); ++i) out.push_back(std::isfinite(filtered[0][i].item<float>()));
  return out;
}

// Next-token logits depend on the last token only: table[last] (vocab 5, end = 0).
class MarkovStepper : public SequenceStepper {
 public:
  explicit MarkovStepper(torch::Tensor table) : table_(std::move(table)) {}
  torch::Tensor step(const torch::Tensor& tokens) override {
    ++calls;
    return table_.index_select(0, tokens);
  }
  void reorder(const torch::Tensor&) override {}
  int calls = 0;

 private:
  torch::Tensor table_;
};

torch::Tensor markov_table() {
  // From the prompt (4): 1 with 0.6, 2 with 0.4. After 1: spread (max 0.3). After 2: end (0.99).
  // Ended rows continue on 0 -> 0. Greedy takes 1 (0.6 * 0.3); the best pair is 2, end (0.396).
  std::vector<std::vector<double>> p = {{0.96, 0.01, 0.01, 0.01, 0.01},
                                        {0.25, 0.3, 0.2, 0.25, 1e-6},
                                        {0.99, 0.0025, 0.0025, 0.005, 1e-6},
                                        {0.25, 0.25, 0.25, 0.25, 1e-6},
                                        {1e-6, 0.6, 0.4, 1e-6, 1e-6}};
  auto t = torch::zeros({5, 5});
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) t[i][j] = std::log(p[i][j]);
  return t;
}

TokenConstraints every_step_may_end() {
  TokenConstraints c;
  c.period = 1;
  c.end_token = 0;
  c.pad_token = 0;
  return c;
}

}  // namespace

TEST(Sampling, TopPOfficialRuleDiffersFromCommonRule) {
  auto l = logits_of({0.5, 0.3, 0.15, 0.05});
  using sampling::TopPRule;
  // p = 0.6: official keeps cumulative <= 0.6 -> {0.5}; common keeps the prefix reaching 0.6 -> {0.5, 0.3}.
  EXPECT_EQ(kept(sampling::top_p_filter(l, 0.6, TopPRule::kOfficial)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(kept(sampling::top_p_filter(l, 0.6, TopPRule::kCommon)), (std::vector<bool>{true, true, false, false}));
  // p = 0.3 < top-1: both keep the top-1 only.
  EXPECT_EQ(kept(sampling::top_p_filter(l, 0.3, TopPRule::kOfficial)), (std::vector<bool>{true, false, false, false}));
  // p = 0.96: official {0.5, 0.3, 0.15} (0.95 <= 0.96); common needs the fourth to reach 0.96.
  EXPECT_EQ(kept(sampling::top_p_filter(l, 0.96, TopPRule::kOfficial)), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(kept(sampling::top_p_filter(l, 0.96, TopPRule::kCommon)), (std::vector<bool>{true, true, true, true}));
  // Unsorted input: positions follow the probabilities, not the indices.
  auto shuffled = logits_of({0.15, 0.5, 0.05, 0.3});
  EXPECT_EQ(kept(sampling::top_p_filter(shuffled, 0.85, TopPRule::kOfficial)), (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(kept(sampling::top_k_filter(shuffled, 2)), (std::vector<bool>{false, true, false, true}));
}

TEST(Sampling, FrequenciesFollowTemperatureAndFilters) {
  // One step from a fixed distribution, many rows: empirical frequencies match the filtered,
  // temperature-scaled probabilities.
  const int64_t rows = 20000;
  auto table = logits_of({0.5, 0.3, 0.15, 0.05}).repeat({rows, 1});
  struct Fixed : SequenceStepper {
    torch::Tensor t;
    torch::Tensor step(const torch::Tensor&) override { return t; }
    void reorder(const torch::Tensor&) override {}
  } model;
  model.t = table;
  TokenConstraints c;
  c.stop_on_end = false;
  auto prompt = torch::zeros({rows}, torch::kInt64);
  auto freq = [&](const std::string& yaml) {
    auto r = make(yaml)->decode(model, prompt, 1, c, 123);
    return torch::bincount(r.tokens.select(1, 0), {}, 4).to(torch::kFloat64) / double(rows);
  };
  auto f = freq("{type: SamplingDecoding}");
  EXPECT_NEAR(f[0].item<double>(), 0.5, 0.015);
  EXPECT_NEAR(f[3].item<double>(), 0.05, 0.01);
  // Temperature 0.5 squares the probabilities before renormalising.
  auto g = freq("{type: SamplingDecoding, temperature: 0.5}");
  const double z = 0.25 + 0.09 + 0.0225 + 0.0025;
  EXPECT_NEAR(g[0].item<double>(), 0.25 / z, 0.015);
  auto k = freq("{type: SamplingDecoding, top_k: 2}");
  EXPECT_NEAR(k[0].item<double>(), 0.625, 0.015);
  EXPECT_EQ(k[2].item<double>() + k[3].item<double>(), 0.0);
  auto p = freq("{type: SamplingDecoding, top_p: 0.85}");  // official: {0.5, 0.3}
  EXPECT_NEAR(p[1].item<double>(), 0.375, 0.015);
  EXPECT_EQ(p[2].item<double>(), 0.0);
  // Same seed, same samples.
  EXPECT_TRUE(torch::equal(freq("{type: SamplingDecoding}"), f));
}

TEST(Decoding, GreedyStopsWhenEveryRowEnded) {
  MarkovStepper model(markov_table());
  auto r = make("{type: GreedyDecoding}")->decode(model, torch::tensor({4, 2}, torch::kInt64), 50, every_step_may_end(), 0);
  // Row 0: 1, 1, 1 ... never ends by greedy choice (0.3 > 0.25); row 1 from token 2 ends at once.
  EXPECT_EQ(r.tokens.size(1), 50);
  EXPECT_EQ(r.tokens[0][0].item<int64_t>(), 1);
  EXPECT_EQ(r.tokens[1][0].item<int64_t>(), 0);
  EXPECT_TRUE((r.tokens[1] == 0).all().item<bool>());  // padded after the end
  MarkovStepper ending(markov_table());
  auto e = make("{type: GreedyDecoding}")->decode(ending, torch::tensor({2, 2}, torch::kInt64), 50, every_step_may_end(), 0);
  EXPECT_EQ(e.tokens.size(1), 1);  // early stop: every row ended on the first step
  EXPECT_EQ(ending.calls, 1);
}

TEST(Decoding, BeamSearchFindsTheMoreLikelySequence) {
  auto c = every_step_may_end();
  MarkovStepper greedy_model(markov_table());
  auto greedy = make("{type: GreedyDecoding}")->decode(greedy_model, torch::tensor({4}, torch::kInt64), 2, c, 0);
  EXPECT_EQ(greedy.tokens[0][0].item<int64_t>(), 1);
  MarkovStepper beam_model(markov_table());
  auto beam = make("{type: BeamSearchDecoding, beam_size: 2}")->decode(beam_model, torch::tensor({4}, torch::kInt64), 2, c, 0);
  ASSERT_EQ(beam.tokens.size(1), 2);
  EXPECT_EQ(beam.tokens[0][0].item<int64_t>(), 2);
  EXPECT_EQ(beam.tokens[0][1].item<int64_t>(), 0);
  // Logits travel with the chosen beam: those that predicted token 2 are the prompt's row.
  EXPECT_TRUE(torch::allclose(beam.logits[0][0], markov_table()[4]));
  // Beam size 1 is greedy.
  MarkovStepper one_model(markov_table());
  auto one = make("{type: BeamSearchDecoding, beam_size: 1}")->decode(one_model, torch::tensor({4}, torch::kInt64), 2, c, 0);
  EXPECT_TRUE(torch::equal(one.tokens, greedy.tokens));
}

TEST(Decoding, ConstraintsMaskDisallowedTokens) {
  MarkovStepper model(markov_table());
  TokenConstraints c = every_step_may_end();
  c.period = 2;
  c.allowed = torch::zeros({2, 5}, torch::kBool);
  c.allowed[0][3] = true;  // even steps: only 3
  c.allowed[1][2] = true;  // odd steps: only 2
  auto r = make("{type: GreedyDecoding}")->decode(model, torch::tensor({4}, torch::kInt64), 4, c, 0);
  EXPECT_TRUE(torch::equal(r.tokens[0], torch::tensor({3, 2, 3, 2}, torch::kInt64)));
  // Raw (unconstrained) logits are returned for scoring.
  EXPECT_TRUE(torch::allclose(r.logits[0][0], markov_table()[4]));
}

TEST(Decoding, StopNeverGeneratesTheFullLengthPastEndTokens) {
  // Row 1 emits the end token on the first step; with stop_on_end false nothing is padded and
  // decoding runs to max_len (the ports and the official code score every object slot).
  TokenConstraints c = every_step_may_end();
  c.stop_on_end = false;
  MarkovStepper model(markov_table());
  auto r = make("{type: GreedyDecoding}")->decode(model, torch::tensor({2, 2}, torch::kInt64), 7, c, 0);
  EXPECT_EQ(r.tokens.size(1), 7);
  EXPECT_EQ(model.calls, 7);
  EXPECT_TRUE((r.tokens == 0).all().item<bool>());  // 0 -> 0 is the table's choice, not padding
  MarkovStepper beam_model(markov_table());
  auto b = make("{type: BeamSearchDecoding, beam_size: 2}")->decode(beam_model, torch::tensor({2}, torch::kInt64), 5, c, 0);
  EXPECT_EQ(b.tokens.size(1), 5);
}
