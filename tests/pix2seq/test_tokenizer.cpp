// Both token schemes: exact ids of the official vocabulary and the mmdetection port, and
// encode/decode round trips within half a quantisation step.
#include <gtest/gtest.h>

#include "core/interfaces/sequence.h"
#include "core/config/yaml_io.h"

using namespace detseq;

namespace {
std::shared_ptr<Tokenizer> make(const std::string& yaml) {
  return build<Tokenizer>(parse_yaml_string(yaml, "test"), "tokenizer");
}
torch::Tensor random_boxes(int64_t n, double w, double h, uint64_t seed) {
  torch::manual_seed(seed);
  auto a = torch::rand({n, 2}, torch::kFloat64), b = torch::rand({n, 2}, torch::kFloat64);
  auto lo = torch::min(a, b), hi = torch::max(a, b);
  auto scale = torch::tensor({w, h}, torch::kFloat64);
  return torch::cat({lo * scale, hi * scale}, 1).to(torch::kFloat32);
}
}  // namespace

TEST(Tokenizer, OfficialVocabulary) {
  auto tok = make("{type: Pix2SeqTokenizer, quantization_bins: 1000, num_classes: 3, class_ids: [1, 5, 90]}");
  EXPECT_EQ(tok->vocab_size(), 3000);
  EXPECT_EQ(tok->prompt_token(), 10);
  EXPECT_EQ(tok->end_token(), 0);
  EXPECT_EQ(tok->noise_token(), 30);
  EXPECT_EQ(tok->class_token(0), 101);
  EXPECT_EQ(tok->class_token(2), 190);
  EXPECT_EQ(tok->label_of(105), 1);
  EXPECT_EQ(tok->label_of(102), -1);
  EXPECT_EQ(tok->class_range().first, 100);
  EXPECT_EQ(tok->class_range().second, 1000);
  // [ymin, xmin, ymax, xmax] normalised to the padded input, q = round(c * 999).
  auto t = tok->encode_boxes(torch::tensor({{64.f, 320.f, 640.f, 0.f}}), 640, 640);
  EXPECT_TRUE(torch::equal(t, torch::tensor({{1000 + 500, 1000 + 100, 1000 + 0, 1000 + 999}}, torch::kInt64)))
      << t;
  EXPECT_THROW(tok->class_token(3), Error);
}

TEST(Tokenizer, OfficialRoundTrip) {
  for (int64_t bins : {1000, 2000}) {
    auto tok = make("{type: Pix2SeqTokenizer, quantization_bins: " + std::to_string(bins) + "}");
    auto boxes = random_boxes(500, 1333, 1000, 7);
    auto back = tok->decode_boxes(tok->encode_boxes(boxes, 1000, 1333), 1000, 1333);
    const double step = 1333.0 / (bins - 1);
    EXPECT_LE((back - boxes).abs().max().item<double>(), step / 2 + 1e-3);
    // decode(encode(decode(t))) == decode(t): exact inverse on the quantised grid.
    auto tokens = tok->encode_boxes(boxes, 1000, 1333);
    EXPECT_TRUE(torch::equal(tok->encode_boxes(tok->decode_boxes(tokens, 1000, 1333), 1000, 1333), tokens));
  }
}

TEST(Tokenizer, MmdetVocabularyAndRoundTrip) {
  auto tok = make("{type: MmdetPix2SeqTokenizer}");
  EXPECT_EQ(tok->vocab_size(), 2094);
  EXPECT_EQ(tok->input_vocab_size(), 2092);
  EXPECT_EQ(tok->end_token(), 2092);
  EXPECT_EQ(tok->noise_token(), 2093);
  EXPECT_LT(tok->prompt_token(), 0);
  EXPECT_EQ(tok->class_token(0), 2001);
  EXPECT_EQ(tok->class_token(90), 2091);
  // [x0, y0, x1, y1], q = floor(px / 1333 * 2000) clamped to [0, 2000], independent of input size.
  auto t = tok->encode_boxes(torch::tensor({{1.f, 666.5f, 1333.f, 2000.f}}), 800, 1333);
  EXPECT_TRUE(torch::equal(t, torch::tensor({{1, 1000, 2000, 2000}}, torch::kInt64))) << t;
  auto boxes = random_boxes(500, 1333, 1333, 3);
  auto back = tok->decode_boxes(tok->encode_boxes(boxes, 1333, 1333), 1333, 1333);
  auto err = boxes - back;  // floor: decoded <= original, by less than one bin
  EXPECT_GE(err.min().item<double>(), -1e-3);
  EXPECT_LT(err.max().item<double>(), 1333.0 / 2000 + 1e-3);
}

TEST(Tokenizer, BadOptionsAreClearErrors) {
  EXPECT_THROW(make("{type: Pix2SeqTokenizer, quantization_bins: 2500}"), Error);
  EXPECT_THROW(make("{type: Pix2SeqTokenizer, num_classes: 2, class_ids: [1]}"), Error);
  EXPECT_THROW(make("{type: Pix2SeqTokenizer, bins: 10}"), Error);
}
