// Sequence augmentation: noise statistics, class scrambling, token weights, determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "core/config/yaml_io.h"
#include "core/interfaces/sequence.h"
#include "models/sequence/box_noise.h"

using namespace detseq;
using box_noise::Box;

namespace {
template <class T>
std::shared_ptr<T> make(const std::string& yaml) {
  return build<T>(parse_yaml_string(yaml, "test"), "x");
}
std::string test_error_of_order(const std::string& order) {
  try {
    make<SequenceBuilder>("{type: Pix2SeqSequenceBuilder, object_order: " + order + "}");
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}
Instances two_objects() {
  Instances inst;
  inst.boxes = torch::tensor({{10.f, 20.f, 110.f, 220.f}, {300.f, 300.f, 400.f, 350.f}});
  inst.labels = torch::tensor({3, 7}, torch::kInt64);
  inst.ignore = torch::zeros({2}, torch::kBool);
  return inst;
}
}  // namespace

TEST(BoxNoise, JitterIsTruncatedNormalWithSigmaFivePercentOfSize) {
  Rng rng(1);
  const Box box{0.2, 0.3, 0.6, 0.5};  // width 0.4, height 0.2
  const int n = 20000;
  double sum = 0, sum2 = 0, worst = 0;
  for (int i = 0; i < n; ++i) {
    const Box j = box_noise::jitter(box, 0.1, rng);
    const double rate = (j[0] - box[0]) / 0.4;  // x moves in units of the width
    sum += rate;
    sum2 += rate * rate;
    worst = std::max(worst, std::abs((j[1] - box[1]) / 0.2));
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.002);
  EXPECT_NEAR(sd, 0.05 * 0.8796, 0.002);  // std of N(0, s) truncated at 2s is 0.8796 s
  EXPECT_LE(worst, 0.1 + 1e-12);          // never beyond two sigmas
}

TEST(BoxNoise, ShiftKeepsSizeAndMixIsUniform) {
  Rng rng(2);
  const Box box{0.4, 0.4, 0.5, 0.6};
  const Box s = box_noise::shift(box, rng);
  EXPECT_GE(s[0], 0.0);
  EXPECT_LE(s[2], 1.0);
  std::vector<Box> real{box, {0.1, 0.1, 0.3, 0.2}};
  double dup = 0, shifted = 0, random = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    auto noise = box_noise::make_noise(real, 98, rng);
    ASSERT_EQ(noise.boxes.size(), 98u);
    for (auto k : noise.kinds) {
      dup += k == box_noise::Kind::kDuplicate;
      shifted += k == box_noise::Kind::kShifted;
      random += k == box_noise::Kind::kRandom;
    }
  }
  const double total = 98.0 * trials;
  // Duplicates: a uniform count in [0, 98] -> half on average; bad boxes: half shifted, half random.
  EXPECT_NEAR(dup / total, 0.5, 0.02);
  EXPECT_NEAR(shifted / total, 0.25, 0.02);
  EXPECT_NEAR(random / total, 0.25, 0.02);
  // Without real boxes every noise object is a random box.
  auto alone = box_noise::make_noise({}, 10, rng);
  for (auto k : alone.kinds) EXPECT_EQ(k, box_noise::Kind::kRandom);
}

TEST(SequenceBuilder, LayoutWeightsAndScrambling) {
  auto tok = make<Tokenizer>("{type: Pix2SeqTokenizer, num_classes: 80}");
  auto builder = make<SequenceBuilder>("{type: Pix2SeqSequenceBuilder, max_objects: 100}");
  std::vector<Instances> inst(64, two_objects());
  std::vector<uint64_t> seeds;
  for (uint64_t i = 0; i < 64; ++i) seeds.push_back(i);
  auto s = builder->build(inst, 640, 640, *tok, seeds);
  ASSERT_EQ(s.input.size(1), 500);
  EXPECT_TRUE((s.input.select(1, 0) == 10).all().item<bool>());
  // Input = target shifted right, except corrupted class tokens.
  auto coords_in = s.input.narrow(1, 1, 499);
  auto target_head = s.target.narrow(1, 0, 499);
  auto is_class = (torch::arange(499) % 5 == 4).unsqueeze(0).expand({64, 499});
  EXPECT_TRUE(torch::equal(coords_in.masked_select(is_class.logical_not()), target_head.masked_select(is_class.logical_not())));
  // Targets: two real objects (classes 103/107), then 98 fake-class noise objects.
  auto classes = s.target.narrow(1, 4, 496).index_select(1, torch::arange(0, 496, 5));
  EXPECT_TRUE(((classes.narrow(1, 0, 2) == 103) | (classes.narrow(1, 0, 2) == 107)).all().item<bool>());
  EXPECT_TRUE((classes.narrow(1, 2, 97) == 30).all().item<bool>());
  // Weights: real coords 1, noise coords 0, class tokens 1.
  auto w = s.weight;
  EXPECT_TRUE((w.narrow(1, 0, 4) == 1).all().item<bool>());
  EXPECT_TRUE((w.narrow(1, 10, 4) == 0).all().item<bool>());
  EXPECT_TRUE((w.index_select(1, torch::arange(4, 500, 5)) == 1).all().item<bool>());
  // Scrambled input class tokens: 50 % fake class, 50 % random class token in [100, 1000).
  auto in_classes = s.input.index_select(1, torch::arange(5, 500, 5));
  const double fake = (in_classes == 30).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(fake, 0.5, 0.03);
  auto rand = in_classes.masked_select(in_classes != 30);
  EXPECT_TRUE(((rand >= 100) & (rand < 1000)).all().item<bool>());
  // Object order is shuffled: both orders of the two objects occur.
  auto first = classes.select(1, 0);
  EXPECT_GT((first == 103).sum().item<int64_t>(), 10);
  EXPECT_GT((first == 107).sum().item<int64_t>(), 10);
  // Deterministic in the seeds.
  auto again = builder->build(inst, 640, 640, *tok, seeds);
  EXPECT_TRUE(torch::equal(again.input, s.input));
  EXPECT_TRUE(torch::equal(again.target, s.target));
}

TEST(SequenceBuilder, EndTokenWeightAndLossNormalisation) {
  auto tok = make<Tokenizer>("{type: Pix2SeqTokenizer}");
  auto builder = make<SequenceBuilder>(
      "{type: Pix2SeqSequenceBuilder, max_objects: 4, noise_objects: false, class_corruption: none, object_order: none}");
  auto s = builder->build({two_objects()}, 640, 640, *tok, {5});
  ASSERT_EQ(s.target.size(1), 20);
  EXPECT_EQ(s.target[0][10].item<int64_t>(), 0);  // end after two objects
  EXPECT_FLOAT_EQ(s.weight[0][10].item<float>(), 0.1f);
  EXPECT_FLOAT_EQ(s.weight[0][19].item<float>(), 0.1f);
  EXPECT_EQ(s.input[0][5].item<int64_t>(), 103);  // no corruption
  // loss = sum(w * ce) / sum(w)
  auto ce = torch::ones({1, 20});
  ce[0][0] = 11.0;
  const double wsum = 10 * 1.0 + 10 * 0.1;
  EXPECT_NEAR(builder->reduce_loss(ce, s).item<double>(), (wsum + 10.0) / wsum, 1e-5);
  auto counting = make<SequenceBuilder>(
      "{type: Pix2SeqSequenceBuilder, max_objects: 4, noise_objects: false, normalize: num_targets}");
  EXPECT_NEAR(counting->reduce_loss(ce, s).item<double>(), (wsum + 10.0) / 20.0, 1e-5);
  EXPECT_THROW(make<SequenceBuilder>("{type: Pix2SeqSequenceBuilder, class_corruption: rand_n_fake}"), Error);
}

TEST(SequenceBuilder, FixedObjectOrders) {
  auto tok = make<Tokenizer>("{type: Pix2SeqTokenizer}");
  Instances inst = two_objects();  // label 3: area 20000 at (10, 20); label 7: area 5000 at (300, 300)
  inst.boxes = torch::cat({inst.boxes, torch::tensor({{0.f, 0.f, 20.f, 20.f}})});  // label 5: area 400 at the origin
  inst.labels = torch::tensor({3, 7, 5}, torch::kInt64);
  inst.ignore = torch::zeros({3}, torch::kBool);
  auto classes_in = [&](const std::string& order) {
    auto builder = make<SequenceBuilder>("{type: Pix2SeqSequenceBuilder, max_objects: 4, noise_objects: false, "
                                         "class_corruption: none, object_order: " + order + "}");
    std::vector<int64_t> out;
    for (uint64_t seed : {1, 2, 3}) {  // a fixed order does not depend on the seed
      auto s = builder->build({inst}, 640, 640, *tok, {seed});
      std::vector<int64_t> cls;
      for (int i = 0; i < 3; ++i) cls.push_back(s.target[0][i * 5 + 4].item<int64_t>());
      if (out.empty()) out = cls;
      EXPECT_EQ(out, cls) << order;
    }
    return out;
  };
  EXPECT_EQ(classes_in("area"), (std::vector<int64_t>{103, 107, 105}));
  EXPECT_EQ(classes_in("dist2ori"), (std::vector<int64_t>{105, 103, 107}));
  EXPECT_EQ(classes_in("none"), (std::vector<int64_t>{103, 107, 105}));
  EXPECT_NE(test_error_of_order("aera").find("did you mean 'area'"), std::string::npos);
}
