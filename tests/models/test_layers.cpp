// models/layers against hand-computed values and PyTorch (fixtures/make_reference.py layers).
#include <gtest/gtest.h>

#include <cmath>

#include "core/io/state_dict.h"
#include "core/util/error.h"
#include "core/structures/box_ops.h"
#include "models/layers/drop_path.h"
#include "models/layers/frozen_batch_norm.h"
#include "models/layers/mlp.h"
#include "models/layers/multihead_attention.h"
#include "models/layers/position_encoding.h"
#include "models/layers/transformer_layers.h"
#include "tests/models/reference.h"

using namespace detseq;

namespace {

class LayersReference : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(0);
    const std::string dir = test::reference_dir("layers");
    if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
    ref = test::load_tensors(dir + "/layers.pth");
  }
  // Loads every `prefix.*` tensor of the reference into `module`, strictly.
  void load(torch::nn::Module& module, const std::string& prefix) {
    io::StateDict state;
    for (const auto& [k, v] : ref) {
      if (k.rfind(prefix, 0) == 0 && k.substr(prefix.size()) != "out" && k.substr(prefix.size()) != "causal_out") {
        state.insert(k.substr(prefix.size()), v);
      }
    }
    io::load_state_dict(module, state, /*strict=*/true, prefix);
  }
  std::map<std::string, torch::Tensor> ref;
};

}  // namespace

TEST(FrozenBatchNorm, MatchesHandComputedAffine) {
  FrozenBatchNorm2d bn(2);
  bn->weight.copy_(torch::tensor({2.0f, 0.5f}));
  bn->bias.copy_(torch::tensor({1.0f, -1.0f}));
  bn->running_mean.copy_(torch::tensor({3.0f, 0.0f}));
  bn->running_var.copy_(torch::tensor({4.0f - 1e-5f, 1.0f - 1e-5f}));  // var + eps = 4 and 1
  auto x = torch::tensor({5.0f, 2.0f}).reshape({1, 2, 1, 1});
  auto y = bn(x).flatten();
  EXPECT_NEAR(y[0].item<float>(), (5 - 3) / 2.0 * 2 + 1, 1e-5);  // 3
  EXPECT_NEAR(y[1].item<float>(), 2 * 0.5 - 1, 1e-5);             // 0
  // State-dict names: the four buffers, no num_batches_tracked, no parameters.
  EXPECT_EQ(bn->parameters().size(), 0u);
  std::vector<std::string> names;
  for (const auto& b : bn->named_buffers()) names.push_back(b.key());
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "running_mean", "running_var"}));
}

TEST(PositionEmbeddingSine, HandComputedSinglePixelRow) {
  // 1 x 1 x 2 map, no padding, num_feats 2: x positions 1/2 and 2/2 (times 2π); y is 1 everywhere.
  PositionEmbeddingSine pe(PositionEmbeddingSineOptions(2).temperature(10000.0).normalize(true));
  auto out = pe(torch::zeros({1, 1, 2}, torch::kBool));
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 4, 1, 2}));
  const double s = 2 * M_PI, eps = 1e-6;
  const double y = 1 / (1 + eps) * s, x0 = 1 / (2 + eps) * s, x1 = 2 / (2 + eps) * s;
  // Channels: sin(y), cos(y) (frequency 1 for both of the pair), sin(x), cos(x).
  EXPECT_NEAR(out[0][0][0][0].item<float>(), std::sin(y), 1e-5);
  EXPECT_NEAR(out[0][1][0][0].item<float>(), std::cos(y), 1e-5);
  EXPECT_NEAR(out[0][2][0][0].item<float>(), std::sin(x0), 1e-5);
  EXPECT_NEAR(out[0][3][0][1].item<float>(), std::cos(x1), 1e-5);
}

TEST(PositionEmbeddingSine, PaddingDoesNotChangeValidPixels) {
  PositionEmbeddingSine pe(8);
  auto small = pe(torch::zeros({1, 3, 4}, torch::kBool));
  auto mask = torch::ones({1, 5, 7}, torch::kBool);
  mask.narrow(1, 0, 3).narrow(2, 0, 4).fill_(false);
  auto padded = pe(mask).narrow(2, 0, 3).narrow(3, 0, 4);
  EXPECT_LT(test::max_abs_diff(small, padded), 1e-6);
}

TEST_F(LayersReference, SineMatchesPyTorch) {
  PositionEmbeddingSine pe(8);
  EXPECT_LT(test::max_abs_diff(pe(ref.at("sine.mask")), ref.at("sine.out")), 1e-5);
}

TEST(PositionEmbeddingLearned, ColumnsThenRows) {
  PositionEmbeddingLearned pe(PositionEmbeddingLearnedOptions(3).num_embed(10));
  auto out = pe(torch::zeros({2, 4, 5}, torch::kBool));
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 6, 4, 5}));
  EXPECT_TRUE(out[1][0].select(1, 3).allclose(pe->col_embed->weight[3][0].expand({4})));  // x = 3
  EXPECT_TRUE(out[0][4].select(0, 2).allclose(pe->row_embed->weight[2][1].expand({5})));  // y = 2
  EXPECT_THROW(pe(torch::zeros({1, 11, 2}, torch::kBool)), Error);
}

TEST(MLP, ReluBetweenLayersNotAfterLast) {
  MLP mlp(2, 3, 1, 2);
  ASSERT_EQ(mlp->named_parameters().size(), 4u);
  EXPECT_TRUE(mlp->named_parameters().contains("layers.1.weight"));
  auto l0 = mlp->layers[0]->as<torch::nn::Linear>(), l1 = mlp->layers[1]->as<torch::nn::Linear>();
  torch::NoGradGuard g;
  l0->weight.copy_(torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}, {-1.0f, 0.0f}}));
  l0->bias.zero_();
  l1->weight.copy_(torch::tensor({{1.0f, 1.0f, 1.0f}}));
  l1->bias.fill_(-10.0f);
  // hidden = relu([2, -3, -2]) = [2, 0, 0]; out = 2 - 10 (negative: no final relu).
  EXPECT_FLOAT_EQ(mlp(torch::tensor({{2.0f, -3.0f}}))[0][0].item<float>(), -8.0f);
}

TEST(DropPath, IdentityInEvalAndUnbiasedInTraining) {
  DropPath dp(0.25);
  auto x = torch::ones({20000, 3});
  dp->eval();
  EXPECT_TRUE(dp(x).equal(x));
  dp->train();
  torch::manual_seed(1);
  auto y = dp(x);
  // Whole rows are dropped or scaled by 1 / 0.75.
  auto row_values = std::get<0>(torch::_unique(y.select(1, 0)));
  EXPECT_EQ(row_values.numel(), 2);
  EXPECT_TRUE((y.select(1, 0) == y.select(1, 2)).all().item<bool>());
  EXPECT_NEAR(y.mean().item<double>(), 1.0, 0.03);
  EXPECT_THROW(DropPath(1.0), Error);
}

TEST_F(LayersReference, MultiheadAttentionMatchesPyTorch) {
  MultiheadAttention mha(16, 4);
  load(*mha, "mha.");
  mha->eval();
  auto out = mha(ref.at("tgt"), ref.at("src"), ref.at("pos"), ref.at("mask"));
  EXPECT_LT(test::max_abs_diff(out, ref.at("mha.out")), 1e-5);
  auto tgt = ref.at("tgt");
  auto causal = mha(tgt, tgt, tgt, torch::Tensor(), causal_mask(5));
  EXPECT_LT(test::max_abs_diff(causal, ref.at("mha.causal_out")), 1e-5);
}

TEST_F(LayersReference, MultiheadAttentionIncrementalCacheEqualsCausal) {
  MultiheadAttention mha(16, 4);
  load(*mha, "mha.");
  mha->eval();
  auto tgt = ref.at("tgt");
  KVCache cache;
  std::vector<torch::Tensor> steps;
  for (int64_t t = 0; t < tgt.size(1); ++t) {
    auto x = tgt.narrow(1, t, 1);
    cache.append(mha->project_kv(x, x));  // keys/values of earlier steps are projected once
    steps.push_back(mha->attend(x, cache));
  }
  EXPECT_EQ(cache.length(), 5);
  EXPECT_LT(test::max_abs_diff(torch::cat(steps, 1), ref.at("mha.causal_out")), 1e-5);
  // Reusing projected memory keys/values equals the one-shot call.
  auto kv = mha->project_kv(ref.at("src"), ref.at("pos"));
  EXPECT_LT(test::max_abs_diff(mha->attend(tgt, kv, ref.at("mask")), ref.at("mha.out")), 1e-5);
}

TEST(MultiheadAttention, ClearErrorsOnBadShapes) {
  EXPECT_THROW(MultiheadAttention(10, 3), Error);
  MultiheadAttention mha(8, 2);
  EXPECT_THROW(mha(torch::zeros({1, 2, 7}), torch::zeros({1, 3, 8}), torch::zeros({1, 3, 8})), Error);
  EXPECT_THROW(mha(torch::zeros({1, 2, 8}), torch::zeros({1, 3, 8}), torch::zeros({1, 3, 8}),
                   torch::zeros({1, 4}, torch::kBool)),
               Error);
}

TEST_F(LayersReference, EncoderAndDecoderLayersMatchPyTorch) {
  for (bool pre : {false, true}) {
    const std::string tag = pre ? "pre" : "post";
    const auto cfg = TransformerLayerOptions(16, 4).dim_feedforward(32).normalize_before(pre);
    TransformerEncoderLayer enc(cfg);
    TransformerDecoderLayer dec(cfg);
    load(*enc, "enc_" + tag + ".");
    load(*dec, "dec_" + tag + ".");
    enc->eval();
    dec->eval();
    auto e = enc(ref.at("src"), ref.at("mask"), ref.at("pos"));
    EXPECT_LT(test::max_abs_diff(e, ref.at("enc_" + tag + ".out")), 1e-5) << tag;
    DecoderInputs in;
    in.memory_key_padding_mask = ref.at("mask");
    in.pos = ref.at("pos");
    in.query_pos = ref.at("query_pos");
    auto d = dec(ref.at("tgt"), ref.at("src"), in);
    EXPECT_LT(test::max_abs_diff(d, ref.at("dec_" + tag + ".out")), 1e-5) << tag;
  }
}

TEST(TransformerDecoder, CachedStepsEqualFullCausalPass) {
  torch::manual_seed(3);
  for (bool pre : {false, true}) {
    const auto cfg =
        TransformerLayerOptions(8, 2).dim_feedforward(16).activation(make_activation("GELU")).normalize_before(pre);
    TransformerDecoder decoder(cfg, 2);
    decoder->eval();
    auto tgt = torch::randn({2, 6, 8}), memory = torch::randn({2, 5, 8}), pos = torch::randn({2, 5, 8});
    DecoderInputs full;
    full.pos = pos;
    full.tgt_mask = causal_mask(6);
    auto expected = decoder(tgt, memory, full);  // [2 layers, B, 6, 8]
    ASSERT_EQ(expected.sizes(), (std::vector<int64_t>{2, 2, 6, 8}));
    // A 2-token prompt, then one token at a time; memory is projected only on the first call.
    std::vector<DecoderLayerCache> caches;
    DecoderInputs first;
    first.pos = pos;
    first.tgt_mask = causal_mask(2, 0);
    std::vector<torch::Tensor> outs{decoder(tgt.narrow(1, 0, 2), memory, first, &caches)};
    for (int64_t t = 2; t < 6; ++t) {
      outs.push_back(decoder(tgt.narrow(1, t, 1), torch::Tensor(), DecoderInputs{}, &caches));
    }
    EXPECT_EQ(caches[0].self_attn.length(), 6);
    EXPECT_LT(test::max_abs_diff(torch::cat(outs, 2), expected), 1e-5) << (pre ? "pre" : "post");
  }
}

// Pix2Seq's decoding through the shared layer: `causal` builds the mask from the cache length.
TEST(TransformerDecoder, CausalFlagMatchesAnExplicitMaskWithAndWithoutCache) {
  torch::manual_seed(4);
  TransformerDecoder decoder(TransformerLayerOptions(8, 2).dim_feedforward(16).drop_path(0.2), 2);
  decoder->eval();
  auto tgt = torch::randn({2, 5, 8}), memory = torch::randn({2, 3, 8});
  DecoderInputs masked;
  masked.tgt_mask = causal_mask(5);
  DecoderInputs causal;
  causal.causal = true;
  const auto expected = decoder(tgt, memory, masked);
  EXPECT_LT(test::max_abs_diff(decoder(tgt, memory, causal), expected), 1e-6);
  std::vector<DecoderLayerCache> caches;
  std::vector<torch::Tensor> outs{decoder(tgt.narrow(1, 0, 3), memory, causal, &caches)};
  for (int64_t t = 3; t < 5; ++t) outs.push_back(decoder(tgt.narrow(1, t, 1), memory, causal, &caches));
  EXPECT_LT(test::max_abs_diff(torch::cat(outs, 2), expected), 1e-5);
  DecoderInputs both = masked;
  both.causal = true;
  EXPECT_THROW(decoder(tgt, memory, both), Error);
}

// Drop path (stochastic depth) acts on every residual branch in training only: with rate 0.9 some
// samples' branches vanish, so two training passes differ while eval passes agree.
TEST(TransformerEncoderLayer, DropPathOnlyInTraining) {
  torch::manual_seed(5);
  TransformerEncoderLayer layer(TransformerLayerOptions(8, 2).dim_feedforward(16).dropout(0.0).drop_path(0.9));
  auto src = torch::randn({16, 4, 8});
  layer->eval();
  EXPECT_TRUE(torch::equal(layer(src), layer(src)));
  layer->train();
  EXPECT_FALSE(torch::equal(layer(src), layer(src)));
}

TEST(TransformerLayers, UnknownActivationIsAClearError) {
  try {
    make_activation("Swish");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown activation type 'Swish'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("GELU, ReLU"), std::string::npos) << e.what();
  }
}

TEST(BoxOps, ConversionsAndOverlapsByHand) {
  auto cxcywh = torch::tensor({{5.0f, 5.0f, 4.0f, 2.0f}});
  auto xyxy = box_ops::cxcywh_to_xyxy(cxcywh);
  EXPECT_TRUE(xyxy.equal(torch::tensor({{3.0f, 4.0f, 7.0f, 6.0f}})));
  EXPECT_TRUE(box_ops::xyxy_to_cxcywh(xyxy).equal(cxcywh));
  auto a = torch::tensor({{0.0f, 0.0f, 2.0f, 2.0f}});
  auto b = torch::tensor({{1.0f, 1.0f, 3.0f, 3.0f}, {4.0f, 0.0f, 5.0f, 1.0f}, {0.0f, 0.0f, 2.0f, 2.0f}});
  auto iou = box_ops::box_iou(a, b);
  EXPECT_NEAR(iou[0][0].item<float>(), 1.0 / 7.0, 1e-6);  // inter 1, union 4 + 4 - 1
  EXPECT_NEAR(iou[0][1].item<float>(), 0.0, 1e-6);
  EXPECT_NEAR(iou[0][2].item<float>(), 1.0, 1e-6);
  auto giou = box_ops::generalized_box_iou(a, b);
  EXPECT_NEAR(giou[0][0].item<float>(), 1.0 / 7.0 - (9.0 - 7.0) / 9.0, 1e-6);  // hull 3 x 3
  EXPECT_NEAR(giou[0][1].item<float>(), 0.0 - (10.0 - 5.0) / 10.0, 1e-6);      // hull 5 x 2
  auto aligned = box_ops::generalized_box_iou_aligned(a.expand({3, 4}), b);
  EXPECT_LT(test::max_abs_diff(aligned, giou[0]), 1e-6);
  // Degenerate boxes stay finite.
  auto zero = torch::zeros({1, 4});
  EXPECT_TRUE(torch::isfinite(box_ops::generalized_box_iou(zero, zero)).all().item<bool>());
  EXPECT_THROW(box_ops::box_iou(torch::zeros({2, 3}), a), Error);
}
