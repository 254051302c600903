#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/config/yaml_io.h"
#include "core/engine/optim_wrapper.h"
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
  OptimWrapper ow(yaml(R"(
optimizer: {type: AdamW, lr: 0.1, weight_decay: 0.5}
paramwise_cfg:
  custom_keys: {backbone: {lr_mult: 0.1}, backbone.bias: {lr_mult: 0.5, decay_mult: 0.0}}
  norm_decay_mult: 0.0
  bias_decay_mult: 0.2
)"),
                  "optim_wrapper", net);
  std::map<std::string, std::pair<double, double>> by_name;  // lr, weight decay
  for (size_t g = 0; g < ow.groups().size(); ++g) {
    const auto& opts = static_cast<torch::optim::AdamWOptions&>(ow.optimizer().param_groups()[g].options());
    for (const auto& n : ow.groups()[g].names) by_name[n] = {opts.lr(), opts.weight_decay()};
  }
  EXPECT_DOUBLE_EQ(by_name["backbone.weight"].first, 0.01);
  EXPECT_DOUBLE_EQ(by_name["backbone.weight"].second, 0.5);
  EXPECT_DOUBLE_EQ(by_name["backbone.bias"].first, 0.05);  // the longest key wins
  EXPECT_DOUBLE_EQ(by_name["backbone.bias"].second, 0.0);
  EXPECT_DOUBLE_EQ(by_name["norm.weight"].second, 0.0);
  EXPECT_DOUBLE_EQ(by_name["norm.bias"].second, 0.0);
  EXPECT_DOUBLE_EQ(by_name["head.weight"].second, 0.5);
  EXPECT_NEAR(by_name["head.bias"].second, 0.1, 1e-15);
  EXPECT_DOUBLE_EQ(by_name["head.bias"].first, 0.1);
}

TEST(OptimWrapper, ClipGradLogsNormAndClips) {
  Net net;
  OptimWrapper ow(yaml("{optimizer: {type: SGD, lr: 0.0}, clip_grad: {max_norm: 0.001}}"), "optim_wrapper", net);
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
  OptimWrapper acc(yaml("{optimizer: {type: SGD, lr: 0.5, momentum: 0.9}, accumulative_counts: 2}"), "ow", a);
  OptimWrapper one(yaml("{optimizer: {type: SGD, lr: 0.5, momentum: 0.9}}"), "ow", b);
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
    OptimWrapper oa(yaml(cfg), "ow", a);
    for (int i = 0; i < 3; ++i) oa.update_params(loss_of(a, i));
    oa.set_value(0, 0.0042);  // a scheduler moved the lr
    const std::string bytes = io::serialize_checkpoint(io::Value::dict().set("optimizer", oa.state_dict()));

    Net b;
    torch::NoGradGuard guard;
    for (size_t i = 0; i < a.parameters().size(); ++i) b.parameters()[i].copy_(a.parameters()[i]);
    OptimWrapper ob(yaml(cfg), "ow", b);
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
      OptimWrapper ow(yaml(cfg), "optim_wrapper", net);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{optimizer: {type: AdamX, lr: 1}}").find("did you mean 'AdamW'"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1, betas: [0.9, 0.9]}}").find("betas"), std::string::npos);
  EXPECT_NE(message("{optimizer: {type: SGD, lr: 1}, paramwise_cfg: {custom_keys: {neck: {lr_mult: 0}}}}")
                .find("'neck' matches no trainable parameter"),
            std::string::npos);
}

}  // namespace
}  // namespace detseq
