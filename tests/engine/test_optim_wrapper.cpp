#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/config/yaml_io.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/optimizers/optimizer.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct Net : torch::nn::Module {
  Net() {
    torch::manual_seed(3);
    backbone = register_module("backbone", torch::nn::Linear(3, 4));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
    head = register_module("head", torch::nn::Linear(4, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return head(norm(backbone(x))); }
  torch::nn::Linear backbone{nullptr}, head{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};

ConfigNode yaml(const std::string& text) { return parse_yaml_string(text, "<test>"); }

torch::Tensor loss_of(Net& net, int64_t seed) {
  torch::manual_seed(seed);
  auto x = torch::randn({5, 3});
  return net.forward(x).pow(2).mean();
}

TEST(OptimWrapper, ParamwiseGroups) {
  Net net;
  const auto ow_owner = build_optim_wrapper(yaml(R"(
optimizer: {type: AdamW, lr: 0.1, weight_decay: 0.5}
paramwise_cfg:
  custom_keys: {backbone: {lr_mult: 0.1}, backbone.bias: {lr_mult: 0.5, decay_mult: 0.0}}
  norm_decay_mult: 0.0
  bias_decay_mult: 0.2
)"),
                                            "optim_wrapper", net);
  OptimWrapper& ow = *ow_owner;
  std::map<std::string, std::pair<double, double>> by_name;  // lr, weight decay
  for (size_t g = 0; g < ow.groups().size(); ++g) {
    const auto& opts = static_cast<torch::optim::AdamWOptions&>(ow.optimizer().param_groups()[g].options());
    for (const auto& n : ow.groups()[g].names) by_name[n] = {opts.lr(), opts.weight_decay()};
  }
  EXPECT_DOUBLE_EQ(by_name["backbone.weight"].first, 0.01);
  EXPECT_DOUBLE_EQ(by_name["backbone.weight"].second, 0.5);
  EXPECT_DOUBLE_EQ(by_name["backbone.bias"].first,
                   0.05);  // the longest key wins
  EXPECT_DOUBLE_EQ(by_name["backbone.bias"].second, 0.0);
  EXPECT_DOUBLE_EQ(by_name["norm.weight"].second, 0.0);
  EXPECT_DOUBLE_EQ(by_name["norm.bias"].second, 0.0);
  EXPECT_DOUBLE_EQ(by_name["head.weight"].second, 0.5);
  EXPECT_NEAR(by_name["head.bias"].second, 0.1, 1e-15);
  EXPECT_DOUBLE_EQ(by_name["head.bias"].first, 0.1);
}

TEST(OptimWrapper, ClipGradLogsNormAndClips) {
  Net net;
  const auto ow_owner = build_optim_wrapper(yaml("{optimizer: {type: SGD, lr: 0.0}, clip_grad: {max_norm: 0.001}}"),
                                            "optim_wrapper", net);
  OptimWrapper& ow = *ow_owner;
  auto loss = loss_of(net, 1);
  // Expected norm from a separate backward on a copy of the same graph.
  Net ref;
  loss_of(ref, 1).backward();
  double sq = 0;
  for (const auto& p : ref.parameters()) sq += p.grad().pow(2).sum().item<double>();
  ow.update_params(loss);
  ASSERT_TRUE(ow.last_grad_norm().has_value());
  EXPECT_NEAR(*ow.last_grad_norm(), std::sqrt(sq), 1e-5);
}

TEST(OptimWrapper, AccumulationEqualsOneBigStep) {
  Net a, b;
  const auto acc_owner =
      build_optim_wrapper(yaml("{optimizer: {type: SGD, lr: 0.5, momentum: 0.9}, accumulative_counts: 2}"), "ow", a);
  OptimWrapper& acc = *acc_owner;
  const auto one_owner = build_optim_wrapper(yaml("{optimizer: {type: SGD, lr: 0.5, momentum: 0.9}}"), "ow", b);
  OptimWrapper& one = *one_owner;
  acc.initialize_count_status(0, 4);
  for (int step = 0; step < 2; ++step) {
    EXPECT_FALSE(acc.update_params(loss_of(a, 10 + 2 * step)));
    EXPECT_TRUE(acc.update_params(loss_of(a, 11 + 2 * step)));
    one.update_params((loss_of(b, 10 + 2 * step) + loss_of(b, 11 + 2 * step)) / 2);
  }
  auto pa = a.parameters(), pb = b.parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::allclose(pa[i], pb[i], 1e-6, 1e-7)) << i;
}

TEST(OptimWrapper, AdamStateRoundTripsExactlyThroughACheckpointFile) {
  for (const std::string type : {"AdamW", "Adam", "SGD"}) {
    const std::string cfg = "{optimizer: {type: " + type + ", lr: 0.01" + (type == "SGD" ? ", momentum: 0.9" : "") +
                            "}, paramwise_cfg: {custom_keys: {head: {lr_mult: 2.0}}}}";
    Net a;
    const auto oa_owner = build_optim_wrapper(yaml(cfg), "ow", a);
    OptimWrapper& oa = *oa_owner;
    for (int i = 0; i < 3; ++i) oa.update_params(loss_of(a, i));
    oa.set_value(0, 0.0042);  // a scheduler moved the lr
    const std::string bytes = io::serialize_checkpoint(io::Value::dict().set("optimizer", oa.state_dict()));

    Net b;
    torch::NoGradGuard guard;
    for (size_t i = 0; i < a.parameters().size(); ++i) b.parameters()[i].copy_(a.parameters()[i]);
    const auto ob_owner = build_optim_wrapper(yaml(cfg), "ow", b);
    OptimWrapper& ob = *ob_owner;
    ob.load_state_dict(io::read_checkpoint_bytes(bytes, "<mem>").at("optimizer"));
    EXPECT_EQ(ob.value(0), 0.0042);
    {
      torch::AutoGradMode on(true);
      for (int i = 3; i < 5; ++i) {
        oa.update_params(loss_of(a, i));
        ob.update_params(loss_of(b, i));
      }
    }
    for (size_t i = 0; i < a.parameters().size(); ++i)
      EXPECT_TRUE(torch::equal(a.parameters()[i], b.parameters()[i])) << type << " param " << i;
  }
}

TEST(OptimWrapper, ClearErrors) {
  Net net;
  auto message = [&](const std::string& cfg) {
    try {
      build_optim_wrapper(yaml(cfg), "optim_wrapper", net);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{optimizer: {type: AdamX, lr: 1}}").find("unknown optimizer type 'AdamX' — did you mean"),
            std::string::npos);
  EXPECT_NE(message("{optimizer: {type: AdamX, lr: 1}}").find("registered: Adam, AdamW, SGD"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1, betas: [0.9, 0.9]}}").find("betas"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1}, paramwise_cfg: {custom_keys: {neck: {lr_mult: 0}}}}")
                .find("'neck' matches no trainable parameter"),
            std::string::npos);
  // Declared rules of the optimizer and wrapper options.
  EXPECT_NE(message("{optimizer: {type: AdamW, lr: -1}}").find("optim_wrapper.optimizer.lr"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: AdamW, betas: [0.9, 1.5]}}").find("a value in [0, 1]"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: AdamW, betas: [0.9]}}").find("two values"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1, nesterov: true}}").find("momentum > 0"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1}, accumulative_counts: 0}").find("a value > 0"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1}, clip_grad: {max_norm: 0}}").find("clip_grad.max_norm"),
            std::string::npos);
  EXPECT_NE(message("{type: AmpOptimWrapper, optimizer: {type: SGD, lr: 1}, dtype: bfloat61}")
                .find("did you mean 'bfloat16'"),
            std::string::npos);
  EXPECT_NE(message("{type: OptimWraper, optimizer: {type: SGD, lr: 1}}").find("did you mean 'OptimWrapper'"),
            std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1}, dtype: bfloat16}").find("dtype"), std::string::npos)
      << "dtype is an AmpOptimWrapper option";
}

TEST(OptimWrapper, RegistryFamiliesAndAmpFlag) {
  for (const char* t : {"AdamW", "Adam", "SGD"})
    EXPECT_NE(RegistryStore::instance().find("optimizer", t), nullptr) << t;
  for (const char* t : {"OptimWrapper", "AmpOptimWrapper"})
    EXPECT_NE(RegistryStore::instance().find("optim_wrapper", t), nullptr) << t;
  EXPECT_TRUE(build_optim_wrapper(yaml("{type: AmpOptimWrapper, optimizer: {type: SGD, lr: 1}}"), "ow")->amp());
  EXPECT_FALSE(build_optim_wrapper(yaml("{optimizer: {type: SGD, lr: 1}}"), "ow")->amp());
  // Built, not attached: using it is a clear error, and so is attaching twice.
  Net net;
  auto ow = build_optim_wrapper(yaml("{optimizer: {type: SGD, lr: 1}}"), "optim_wrapper");
  EXPECT_FALSE(ow->attached());
  EXPECT_THROW(ow->lrs(), Error);
  ow->attach(net);
  EXPECT_TRUE(ow->attached());
  EXPECT_EQ(ow->optimizer_type(), "SGD");
  EXPECT_THROW(ow->attach(net), Error);
}

// A new optimizer is one class and one registration line (here: plain SGD under another name).
struct TestSGDOptions {
  std::string type;
  double lr = 0.1;
  template <class V>
  void visit(V& v) {
    v("type", type);
    v("lr", lr, "learning rate").positive();
  }
};
class TestSGD : public OptimizerRecipe {
 public:
  explicit TestSGD(const TestSGDOptions& o) : lr_(o.lr) {}
  std::string type() const override { return "TestSGD"; }
  double lr() const override { return lr_; }
  double weight_decay() const override { return 0.0; }
  std::unique_ptr<torch::optim::Optimizer> make(const std::vector<OptimizerParamGroup>& groups) const override {
    std::vector<torch::optim::OptimizerParamGroup> g;
    for (const auto& x : groups)
      g.emplace_back(x.params, std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(lr_ * x.lr_mult)));
    return std::make_unique<torch::optim::SGD>(std::move(g), torch::optim::SGDOptions(lr_));
  }
  io::Value save_state(const torch::optim::OptimizerParamState&) const override { return io::Value::dict(); }
  std::unique_ptr<torch::optim::OptimizerParamState> load_state(const io::Value&, const TensorReader&) const override {
    return nullptr;
  }

 private:
  double lr_;
};
DETSEQ_REGISTER(OptimizerRecipe, TestSGD, TestSGDOptions);

TEST(OptimWrapper, ANewOptimizerIsOneRegisteredClass) {
  Net a, b;
  const auto custom = build_optim_wrapper(yaml("{optimizer: {type: TestSGD, lr: 0.5}}"), "ow", a);
  const auto sgd = build_optim_wrapper(yaml("{optimizer: {type: SGD, lr: 0.5}}"), "ow", b);
  custom->update_params(loss_of(a, 3));
  sgd->update_params(loss_of(b, 3));
  for (size_t i = 0; i < a.parameters().size(); ++i) EXPECT_TRUE(torch::equal(a.parameters()[i], b.parameters()[i]));
  EXPECT_EQ(custom->state_dict().at("type").as_string(), "TestSGD");
}

}  // namespace
}  // namespace detseq
