// LR curves against the closed forms of mmengine / PyTorch (chainable implementation, so chaining
// with begin/end must reproduce the piecewise closed form exactly up to rounding).
#include <gtest/gtest.h>

#include <cmath>

#include "core/config/yaml_io.h"
#include "core/engine/param_scheduler.h"

namespace detseq {
namespace {

class Values : public ScheduledValues {
 public:
  explicit Values(std::vector<double> v) : v_(v), init_(std::move(v)) {}
  size_t num_values() const override { return v_.size(); }
  double value(size_t i) const override { return v_[i]; }
  void set_value(size_t i, double x) override { v_[i] = x; }
  double initial_value(size_t i) const override { return init_[i]; }

 private:
  std::vector<double> v_, init_;
};

std::shared_ptr<ParamScheduler> make(const std::string& yaml) {
  return build<ParamScheduler>(parse_yaml_string(yaml, "<test>"), "param_scheduler");
}

// lr used at steps 0..n-1 (each value is read before the scheduler steps past it).
std::vector<double> curve(std::vector<std::shared_ptr<ParamScheduler>> ss, int n, double base = 1.0,
                          int64_t epoch_length = 0) {
  Values v({base});
  for (auto& s : ss) {
    if (epoch_length) s->convert_to_iter_based(epoch_length);
    s->attach(v);
  }
  std::vector<double> out;
  for (int t = 0; t < n; ++t) {
    out.push_back(v.value(0));
    for (auto& s : ss) s->step();
  }
  return out;
}

const double kPi = std::acos(-1.0);

TEST(Schedulers, LinearWarmup) {
  auto lr = curve({make("{type: LinearLR, start_factor: 0.1, begin: 0, end: 5, by_epoch: false}")}, 8, 2.0);
  for (int t = 0; t < 8; ++t) EXPECT_NEAR(lr[t], 2.0 * (0.1 + 0.9 * std::min(t, 4) / 4.0), 1e-12) << t;
}

TEST(Schedulers, LinearDecayToOnePercent) {  // Pix2Seq's linear decay
  auto lr = curve({make("{type: LinearLR, start_factor: 1.0, end_factor: 0.01, begin: 0, end: 100, by_epoch: false}")},
                  100, 3e-4);
  for (int t = 0; t < 100; ++t) EXPECT_NEAR(lr[t], 3e-4 * (1.0 - 0.99 * t / 99.0), 1e-15) << t;
}

TEST(Schedulers, MultiStepAndStep) {
  auto m = curve({make("{type: MultiStepLR, milestones: [3, 6, 6], gamma: 0.1}")}, 9);
  const double expect_m[] = {1, 1, 1, 0.1, 0.1, 0.1, 0.001, 0.001, 0.001};  // a repeated milestone counts twice
  for (int t = 0; t < 9; ++t) EXPECT_NEAR(m[t], expect_m[t], 1e-15) << t;
  auto s = curve({make("{type: StepLR, step_size: 2, gamma: 0.5}")}, 7);
  for (int t = 0; t < 7; ++t) EXPECT_NEAR(s[t], std::pow(0.5, t / 2), 1e-15) << t;
}

TEST(Schedulers, ConstantThenFull) {
  auto lr = curve({make("{type: ConstantLR, factor: 0.5, begin: 0, end: 4}")}, 6);
  const double expect[] = {0.5, 0.5, 0.5, 1, 1, 1};
  for (int t = 0; t < 6; ++t) EXPECT_NEAR(lr[t], expect[t], 1e-15) << t;
}

TEST(Schedulers, CosineAnnealing) {
  auto lr = curve({make("{type: CosineAnnealingLR, T_max: 10, eta_min: 0.01, begin: 0, end: 10}")}, 10);
  for (int t = 0; t < 10; ++t) EXPECT_NEAR(lr[t], 0.01 + 0.99 * (1 + std::cos(kPi * t / 10)) / 2, 1e-12) << t;
  auto ratio = curve({make("{type: CosineAnnealingLR, eta_min_ratio: 0.1, begin: 0, end: 4}")}, 4, 2.0);
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(ratio[t], 0.2 + 1.8 * (1 + std::cos(kPi * t / 4)) / 2, 1e-12) << t;
}

TEST(Schedulers, WarmupThenCosineChained) {
  auto lr = curve({make("{type: LinearLR, start_factor: 0.001, begin: 0, end: 5, by_epoch: false}"),
                   make("{type: CosineAnnealingLR, eta_min: 0.0, begin: 5, end: 15, by_epoch: false}")},
                  15);
  for (int t = 0; t < 5; ++t) EXPECT_NEAR(lr[t], 0.001 + 0.999 * t / 4.0, 1e-12) << t;
  for (int t = 5; t < 15; ++t) EXPECT_NEAR(lr[t], (1 + std::cos(kPi * (t - 5) / 10)) / 2, 1e-12) << t;
}

TEST(Schedulers, ConvertToIterBased) {
  // milestones in epochs [1, 2] with 3 iterations per epoch -> iterations [3, 6]
  auto lr = curve({make("{type: MultiStepLR, milestones: [1, 2], gamma: 0.1, convert_to_iter_based: true}")}, 7, 1.0, 3);
  const double expect[] = {1, 1, 1, 0.1, 0.1, 0.1, 0.01};
  for (int t = 0; t < 7; ++t) EXPECT_NEAR(lr[t], expect[t], 1e-15) << t;
}

TEST(Schedulers, StateRoundTripContinuesIdentically) {
  Values a({1.0}), b({1.0});
  auto s1 = make("{type: CosineAnnealingLR, T_max: 8, begin: 0, end: 8}");
  s1->attach(a);
  for (int t = 0; t < 3; ++t) s1->step();
  auto s2 = make("{type: CosineAnnealingLR, T_max: 8, begin: 0, end: 8}");
  s2->attach(b);
  s2->load_state(s1->state());
  b.set_value(0, a.value(0));  // the optimizer restores the lr itself
  for (int t = 0; t < 4; ++t) {
    s1->step();
    s2->step();
    EXPECT_EQ(a.value(0), b.value(0));
  }
}

TEST(Schedulers, BadRangeIsAConfigError) {
  try {
    make("{type: LinearLR, begin: 5, end: 5}");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("end (5) must be larger than begin (5)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace detseq
