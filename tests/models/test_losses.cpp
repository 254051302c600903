// SetCriterion and the `loss` family on hand-made predictions and targets.
#include <gtest/gtest.h>
#include <torch/nn/functional/loss.h>

#include <cmath>

#include "core/config/yaml_io.h"
#include "core/util/error.h"
#include "models/losses/set_criterion.h"

using namespace detseq;

namespace {

SetCriterion make_criterion(int64_t num_classes) {
  SetCriterionOptions cfg;
  cfg.num_classes = num_classes;
  return SetCriterion(cfg, std::make_shared<HungarianMatcher>());
}

}  // namespace

TEST(SetCriterion, PerfectBoxesGiveZeroBoxLossesAndWeightedCE) {
  // One image, 2 queries, 1 class (+ no-object). Query 1 matches the only target.
  const float big = 20.0f;
  auto logits = torch::tensor({{{0.0f, 0.0f}, {big, 0.0f}}}).unsqueeze(0);  // [L=1, B=1, Q=2, 2]
  auto boxes = torch::tensor({{{0.2f, 0.2f, 0.1f, 0.1f}, {0.5f, 0.5f, 0.4f, 0.2f}}}).unsqueeze(0);
  SetTarget t{torch::tensor({0}, torch::kLong), torch::tensor({{0.5f, 0.5f, 0.4f, 0.2f}})};
  auto losses = make_criterion(1)(logits, boxes, {t});
  EXPECT_NEAR(losses.at("loss_bbox").item<float>(), 0.0, 1e-6);
  EXPECT_NEAR(losses.at("loss_iou").item<float>(), 0.0, 1e-6);
  // CE: query 0 -> no-object with logits (0, 0): log 2, weight 0.1; query 1 -> class 0: ~0, weight 1.
  const double ce1 = std::log1p(std::exp(-big));
  EXPECT_NEAR(losses.at("loss_cls").item<float>(), (0.1 * std::log(2.0) + ce1) / 1.1, 1e-6);
  EXPECT_EQ(losses.size(), 3u);
}

TEST(SetCriterion, L1AndGiouNormalisedByNumberOfBoxesWithWeights) {
  // Two images, one target each, one query each (forced matches).
  auto logits = torch::zeros({1, 2, 1, 3});
  auto boxes = torch::tensor({{{{0.5f, 0.5f, 0.2f, 0.2f}}}, {{{0.5f, 0.5f, 0.2f, 0.2f}}}}).reshape({1, 2, 1, 4});
  std::vector<SetTarget> targets{{torch::tensor({0}, torch::kLong), torch::tensor({{0.6f, 0.5f, 0.2f, 0.2f}})},
                                 {torch::tensor({1}, torch::kLong), torch::tensor({{0.5f, 0.5f, 0.2f, 0.4f}})}};
  auto losses = make_criterion(2)(logits, boxes, targets);
  // L1: 0.1 and 0.2 -> (0.3) / 2 boxes * weight 5.
  EXPECT_NEAR(losses.at("loss_bbox").item<float>(), 5 * 0.3 / 2, 1e-5);
  // GIoU: shifted box: inter 0.1*0.2=0.02, union 0.06, hull 0.3*0.2 = union -> 1/3.
  //       taller box: contains the prediction: iou 0.04 / 0.08 = 0.5, hull = union -> 0.5.
  EXPECT_NEAR(losses.at("loss_iou").item<float>(), 2 * ((1 - 1.0 / 3) + (1 - 0.5)) / 2, 1e-5);
  // Uniform logits over 3 classes: CE = log 3 for each matched query.
  EXPECT_NEAR(losses.at("loss_cls").item<float>(), std::log(3.0), 1e-5);
}

TEST(SetCriterion, AuxiliaryLayersNamedLikeMmdetAndEmptyTargets) {
  torch::manual_seed(0);
  auto logits = torch::randn({3, 2, 4, 3}, torch::requires_grad());
  auto boxes = torch::rand({3, 2, 4, 4}).clamp(0.1, 0.9).requires_grad_();
  std::vector<SetTarget> targets{{torch::tensor({1}, torch::kLong), torch::tensor({{0.4f, 0.4f, 0.3f, 0.3f}})},
                                 {torch::empty({0}, torch::kLong), torch::empty({0, 4})}};
  auto losses = make_criterion(2)(logits, boxes, targets);
  for (const char* name : {"loss_cls", "loss_bbox", "loss_iou", "d0.loss_cls", "d0.loss_bbox", "d0.loss_iou",
                           "d1.loss_cls", "d1.loss_bbox", "d1.loss_iou"}) {
    EXPECT_TRUE(losses.count(name)) << name;
  }
  EXPECT_EQ(losses.size(), 9u);
  EXPECT_FALSE(losses.count("d2.loss_cls"));
  // Aux layers are scored exactly like the final one.
  auto criterion = make_criterion(2);
  auto d1 = criterion.layer_losses(logits[1], boxes[1], targets, 1.0);
  EXPECT_FLOAT_EQ(d1.at("loss_bbox").item<float>(), losses.at("d1.loss_bbox").item<float>());
  total_loss(losses).backward();
  EXPECT_TRUE(boxes.grad().defined());
  // No target at all: box losses are zero but still in the graph, normaliser clamps to 1.
  std::vector<SetTarget> none{{torch::empty({0}, torch::kLong), torch::empty({0, 4})},
                              {torch::empty({0}, torch::kLong), torch::empty({0, 4})}};
  auto empty = make_criterion(2)(logits, boxes, none);
  EXPECT_EQ(empty.at("loss_bbox").item<float>(), 0.0f);
  EXPECT_TRUE(empty.at("loss_bbox").requires_grad());
  EXPECT_EQ(SetCriterion::normaliser(none, torch::kCPU), 1.0);
  EXPECT_EQ(SetCriterion::normaliser(targets, torch::kCPU), 1.0);
}

TEST(SetCriterion, WrongClassCountIsAClearError) {
  auto logits = torch::zeros({1, 1, 2, 4});
  auto boxes = torch::rand({1, 1, 2, 4});
  SetTarget t{torch::empty({0}, torch::kLong), torch::empty({0, 4})};
  EXPECT_THROW(make_criterion(2)(logits, boxes, {t}), Error);
}

// The `loss` family on its own.
namespace {

std::shared_ptr<Loss> make_loss(const std::string& yaml_text) {
  return build<Loss>(parse_yaml_string(yaml_text, "<test>"), "model.head.loss");
}

std::string build_error(const std::string& yaml_text) {
  try {
    make_loss(yaml_text);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(LossFamily, CrossEntropyWeightsBackgroundAndClasses) {
  auto logits = torch::tensor({{2.0f, 0.5f, -1.0f}, {0.1f, 0.3f, 0.2f}, {-0.5f, 1.5f, 0.0f}});
  auto labels = torch::tensor({0, 2, 1}, torch::kLong);
  namespace F = torch::nn::functional;
  auto expected = [&](std::vector<float> w) {
    return F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().weight(torch::tensor(w))).item<float>();
  };
  EXPECT_FLOAT_EQ(make_loss("{type: CrossEntropyLoss, bg_cls_weight: 0.1}")->forward(logits, labels).item<float>(),
                  expected({1, 1, 0.1f}));
  EXPECT_FLOAT_EQ(make_loss("{type: CrossEntropyLoss, bg_cls_weight: 0.1, class_weight: 2.0, loss_weight: 3}")
                      ->forward(logits, labels)
                      .item<float>(),
                  3 * expected({2, 2, 0.1f}));
  EXPECT_FLOAT_EQ(
      make_loss("{type: CrossEntropyLoss, class_weight: [0.5, 2.0]}")->forward(logits, labels).item<float>(),
      expected({0.5f, 2, 1}));
  auto sum = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kSum)).item<float>();
  EXPECT_FLOAT_EQ(make_loss("{type: CrossEntropyLoss}")->forward(logits, labels, 4.0).item<float>(), sum / 4);
  EXPECT_FLOAT_EQ(make_loss("{type: CrossEntropyLoss, reduction: sum}")->forward(logits, labels).item<float>(), sum);
  // A per-class list that does not fit the logits is an error at the first forward.
  EXPECT_THROW(make_loss("{type: CrossEntropyLoss, class_weight: [1, 1, 1]}")->forward(logits, labels), Error);
}

TEST(LossFamily, BoxLossesSumOverAvgFactorOrAverage) {
  auto pred = torch::tensor({{0.1f, 0.1f, 0.5f, 0.5f}, {0.2f, 0.2f, 0.6f, 0.8f}});
  auto target = torch::tensor({{0.1f, 0.2f, 0.5f, 0.6f}, {0.2f, 0.2f, 0.6f, 0.8f}});
  auto l1 = make_loss("{type: L1Loss, loss_weight: 5.0}");
  EXPECT_NEAR(l1->forward(pred, target, 2.0).item<float>(), 5 * 0.2 / 2, 1e-6);
  EXPECT_NEAR(l1->forward(pred, target).item<float>(), 5 * 0.2 / 8, 1e-6);
  EXPECT_NEAR(make_loss("{type: L1Loss, reduction: sum}")->forward(pred, target).item<float>(), 0.2, 1e-6);
  // A head's avg_factor with reduction: sum would divide the sum silently: an error, as in mmdet.
  EXPECT_THROW(make_loss("{type: L1Loss, reduction: sum}")->forward(pred, target, 2.0), Error);
  EXPECT_THROW(make_loss("{type: CrossEntropyLoss, reduction: sum}")
                   ->forward(torch::zeros({2, 3}), torch::tensor({0, 2}, torch::kLong), 2.0),
               Error);
  auto giou = make_loss("{type: GIoULoss, loss_weight: 2.0}");
  // Box 0: inter 0.4 x 0.3 = 0.12, union 0.16 + 0.16 - 0.12 = 0.2, hull 0.4 x 0.5 = 0.2 -> giou 0.6.
  EXPECT_NEAR(giou->forward(pred, target, 2.0).item<float>(), 2 * (1 - 0.6) / 2, 1e-5);
  EXPECT_DOUBLE_EQ(giou->loss_weight(), 2.0);
  EXPECT_THROW(giou->forward(pred, target.narrow(0, 0, 1)), Error);
}

TEST(LossFamily, ConfigErrorsNameTheKey) {
  EXPECT_NE(build_error("{type: CrossEntropyLos}").find("did you mean 'CrossEntropyLoss'"), std::string::npos);
  EXPECT_NE(build_error("{type: CrossEntropyLoss, use_sigmoid: true}").find("not implemented"), std::string::npos);
  EXPECT_NE(build_error("{type: L1Loss, loss_weight: -1}").find("model.head.loss.loss_weight"), std::string::npos);
  EXPECT_NE(build_error("{type: L1Loss, reduction: none}").find("expected one of mean, sum"), std::string::npos);
  EXPECT_NE(build_error("{type: CrossEntropyLoss, class_weight: {a: 1}}").find("a number or a list"),
            std::string::npos);
}

TEST(LossFamily, DETRHeadBuildsItsLossesFromTheConfig) {
  // The mmdetection DETR config's loss dicts give the same losses as the defaults.
  auto logits = torch::randn({1, 1, 3, 3});
  auto boxes = torch::rand({1, 1, 3, 4}).clamp(0.2, 0.8);
  SetTarget t{torch::tensor({1}, torch::kLong), torch::tensor({{0.4f, 0.5f, 0.3f, 0.2f}})};
  SetCriterionOptions cfg;
  cfg.num_classes = 2;
  cfg.loss_cls = make_loss(
      "{type: CrossEntropyLoss, bg_cls_weight: 0.1, use_sigmoid: false, loss_weight: 1.0, "
      "class_weight: 1.0}");
  cfg.loss_bbox = make_loss("{type: L1Loss, loss_weight: 5.0}");
  cfg.loss_iou = make_loss("{type: GIoULoss, loss_weight: 2.0}");
  auto configured = SetCriterion(cfg, std::make_shared<HungarianMatcher>())(logits, boxes, {t});
  auto defaults = make_criterion(2)(logits, boxes, {t});
  for (const char* k : {"loss_cls", "loss_bbox", "loss_iou"})
    EXPECT_TRUE(torch::equal(configured.at(k), defaults.at(k))) << k;
  // Doubling loss_bbox's weight doubles loss_bbox only.
  cfg.loss_bbox = make_loss("{type: L1Loss, loss_weight: 10.0}");
  auto doubled = SetCriterion(cfg, std::make_shared<HungarianMatcher>())(logits, boxes, {t});
  EXPECT_NEAR(doubled.at("loss_bbox").item<float>(), 2 * defaults.at("loss_bbox").item<float>(), 1e-6);
  EXPECT_TRUE(torch::equal(doubled.at("loss_cls"), defaults.at("loss_cls")));
}
