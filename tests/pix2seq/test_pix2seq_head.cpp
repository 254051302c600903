// Pix2Seq head: cached decoding equals recomputation, beam search through the real model,
// post-processing to original pixels, and teacher-forced training that lowers the loss.
#include <gtest/gtest.h>

#include "core/config/yaml_io.h"
#include "models/heads/pix2seq_head.h"
#include "models/heads/pix2seq_postprocess.h"
#include "models/heads/pix2seq_stepper.h"
#include "models/sequence/decoding.h"

using namespace detseq;

namespace {

const char* kSmallHead = R"({type: Pix2SeqHead, in_channels: 8, d_model: 32, nhead: 4, num_encoder_layers: 2,
  num_decoder_layers: 2, dim_feedforward: 64, dropout: 0.0, num_token_positions: 64, max_objects_test: 6,
  tokenizer: {type: Pix2SeqTokenizer, vocab_size: 300, quantization_bins: 100, coord_vocab_shift: 200, num_classes: 4},
  sequence: {type: Pix2SeqSequenceBuilder, max_objects: 4}})";

std::shared_ptr<Pix2SeqHead> make_head(const std::string& extra = "") {
  std::string yaml = kSmallHead;
  if (!extra.empty()) yaml.insert(yaml.size() - 1, ", " + extra);
  torch::manual_seed(0);
  return std::dynamic_pointer_cast<Pix2SeqHead>(build<Head>(parse_yaml_string(yaml, "test"), "model.head"));
}

Pix2SeqMemory memory_of(Pix2SeqHead& head) {
  torch::manual_seed(1);
  auto features = torch::randn({3, 8, 4, 5});
  auto masks = torch::zeros({3, 32, 40}, torch::kBool);
  masks[1].narrow(1, 30, 10).fill_(true);  // padded image
  return head.encode(features, masks);
}

DecodeResult run(Pix2SeqHead& head, const Pix2SeqMemory& memory, bool cache, const Decoding& decoding, int64_t len) {
  torch::NoGradGuard guard;
  Pix2SeqStepper stepper(head, memory, cache);
  TokenConstraints c;
  c.stop_on_end = false;  // random weights: decode the full length
  return decoding.decode(stepper, torch::full({memory.memory.size(0)}, head.tokenizer().prompt_token(), torch::kInt64),
                         len, c, 7);
}

}  // namespace

TEST(Pix2SeqHead, CachedDecodingEqualsRecomputation) {
  for (const std::string norm : {"decoder_normalize_before: false", "decoder_normalize_before: true, shared_embedding: true"}) {
    auto head = make_head(norm);
    head->eval();
    auto memory = memory_of(*head);
    GreedyDecoding greedy({});
    auto on = run(*head, memory, true, greedy, 30);
    auto off = run(*head, memory, false, greedy, 30);
    EXPECT_TRUE(torch::equal(on.tokens, off.tokens)) << norm;
    EXPECT_TRUE(torch::allclose(on.logits, off.logits, 1e-4, 1e-4)) << norm;
    // The cached step logits equal the teacher-forced logits of the generated sequence.
    auto inputs = torch::cat({torch::full({3, 1}, head->tokenizer().prompt_token(), torch::kInt64),
                              on.tokens.narrow(1, 0, 29)}, 1);
    torch::NoGradGuard guard;
    EXPECT_TRUE(torch::allclose(head->decode_logits(inputs, memory), on.logits, 1e-4, 1e-4));
  }
}

TEST(Pix2SeqHead, BeamSearchWithCachesMatchesWithout) {
  auto head = make_head();
  head->eval();
  auto memory = memory_of(*head);
  BeamSearchDecoding beam({3});
  auto on = run(*head, memory, true, beam, 12);
  auto off = run(*head, memory, false, beam, 12);
  EXPECT_TRUE(torch::equal(on.tokens, off.tokens));
  EXPECT_TRUE(torch::allclose(on.logits, off.logits, 1e-4, 1e-4));
}

TEST(Pix2SeqHead, PostprocessScoresAndMapsToOriginalPixels) {
  auto head = make_head();
  const auto& tok = head->tokenizer();
  // One object (class label 2, box 16..48 x 8..24 in a 64x64 input), then the end token.
  auto coords = tok.encode_boxes(torch::tensor({{16.f, 8.f, 48.f, 24.f}}), 64, 64);
  auto tokens = torch::cat({coords[0], torch::tensor({tok.class_token(2), tok.end_token(), int64_t{0}, int64_t{0}, int64_t{0}, int64_t{0}}, torch::kInt64)});
  auto logits = torch::zeros({1, 11, tok.vocab_size()});
  logits[0][4][tok.class_token(2)] = 5.0;
  ImageMeta meta;
  meta.image_id = 9;
  meta.ori_width = 128;
  meta.ori_height = 128;
  meta.scale_x = -0.5;  // resized by 0.5 then flipped in a 64-wide input
  meta.offset_x = 64;
  meta.scale_y = 0.5;
  auto dets = sequences_to_detections({tokens.unsqueeze(0), logits}, tok, {meta}, 64, 64, 100);
  ASSERT_EQ(dets.size(), 1u);
  ASSERT_EQ(dets[0].size(), 1);
  EXPECT_EQ(dets[0].labels[0].item<int64_t>(), 2);
  const double p = std::exp(5.0) / (std::exp(5.0) + tok.vocab_size() - 1);  // full-vocabulary softmax
  EXPECT_NEAR(dets[0].scores[0].item<double>(), p, 1e-5);
  auto expected = torch::tensor({{32.f, 16.f, 96.f, 48.f}});
  EXPECT_LT((dets[0].boxes - expected).abs().max().item<double>(), 64.0 / 99 * 2 + 1e-3);
}

TEST(Pix2SeqHead, TrainingStepsLowerTheLoss) {
  auto head = make_head();
  head->train();
  torch::manual_seed(3);
  Batch batch;
  batch.images = torch::zeros({2, 3, 32, 40});
  batch.masks = torch::zeros({2, 32, 40}, torch::kBool);
  for (int i = 0; i < 2; ++i) {
    Instances inst;
    inst.boxes = torch::tensor({{2.f, 3.f, 20.f, 30.f}, {10.f, 5.f, 39.f, 16.f}});
    inst.labels = torch::tensor({i, 3}, torch::kInt64);
    inst.ignore = torch::zeros({2}, torch::kBool);
    batch.instances.push_back(inst);
    ImageMeta meta;
    meta.image_id = i;
    meta.sample_index = i;
    batch.metas.push_back(meta);
  }
  std::vector<torch::Tensor> features{torch::randn({2, 8, 4, 5})};
  torch::optim::AdamW opt(head->parameters(), torch::optim::AdamWOptions(1e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    auto loss = total_loss(head->loss(features, batch));
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  EXPECT_LT(last, first * 0.8) << first << " -> " << last;
}

TEST(Pix2SeqHead, InferenceRuleOptionsAreCheckedWithSuggestions) {
  auto error = [](const std::string& extra) {
    try {
      make_head(extra);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(error("stop: nevr").find("model.head.stop (test:4): expected one of at_end, never, got nevr — did you mean 'never'?"),
            std::string::npos)
      << error("stop: nevr");
  EXPECT_NE(error("box_source: logit").find("expected one of token, logits, got logit — did you mean 'logits'?"), std::string::npos)
      << error("box_source: logit");
  EXPECT_NE(error("constraints: ful").find("one of none, class_slots, full"), std::string::npos);
  EXPECT_NE(error("suppress_tokens: [eos]").find("end, noise"), std::string::npos);
  EXPECT_NE(error("suppress_tokens: [end]").find("would never stop"), std::string::npos);
  // The generation mask the rules imply: full = coordinates at coordinate slots (end where an
  // object starts), classes at class slots; suppressed tokens nowhere.
  auto head = make_head("constraints: full");
  const auto& tok = head->tokenizer();
  auto c = head->constraints();
  ASSERT_TRUE(c.allowed.defined());
  EXPECT_TRUE(c.allowed[0][tok.end_token()].item<bool>());
  EXPECT_FALSE(c.allowed[1][tok.end_token()].item<bool>());
  EXPECT_FALSE(c.allowed[4][tok.coord_range().first].item<bool>());
  EXPECT_TRUE(c.allowed[4][tok.class_range().first].item<bool>());
  auto ports = make_head("suppress_tokens: [end, noise], stop: never")->constraints();
  EXPECT_FALSE(ports.stop_on_end);
  EXPECT_FALSE(ports.allowed.select(1, tok.end_token()).any().item<bool>());
  EXPECT_FALSE(ports.allowed.select(1, tok.noise_token()).any().item<bool>());
  EXPECT_TRUE(ports.allowed[2][tok.class_range().first].item<bool>());  // otherwise free
  EXPECT_FALSE(make_head()->constraints().allowed.defined());          // default: unconstrained
}
