// Loading state dicts into modules: key selection, prefix, rename rules, strictness, reports,
// Pretrained init_cfg, and a torchvision ResNet-18 state dict written by Python.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/config/yaml_io.h"
#include "core/io/checkpoint.h"
#include "core/io/pretrained.h"
#include "core/io/state_dict.h"
#include "core/util/error.h"
#include "tests/io/io_test_util.h"

namespace detseq::io {
namespace {

using test::TempDir;

const std::string kOrdered = test::committed_fixtures() + "/ordered_sd.pth";
const std::string kDetr = test::committed_fixtures() + "/detr_like.pth";

// Same names as make_fixtures.py's Tiny; `fc_out` lets a test create a shape mismatch.
struct TinyImpl : torch::nn::Module {
  explicit TinyImpl(int64_t fc_out = 2) {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 1)));
    bn = register_module("bn", torch::nn::BatchNorm2d(3));
    fc = register_module("fc", torch::nn::Linear(3, fc_out));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear fc{nullptr};
};

LoadOptions strict_options(std::string prefix = "") {
  LoadOptions o;
  o.prefix = std::move(prefix);
  o.strict = true;
  return o;
}
LoadOptions with_key(std::string key) {
  LoadOptions o;
  o.key = std::move(key);
  return o;
}
LoadOptions with_prefix(std::string prefix) {
  LoadOptions o;
  o.prefix = std::move(prefix);
  return o;
}
LoadOptions with_rule(std::string pattern, std::string replacement) {
  LoadOptions o;
  o.rename = {{std::move(pattern), std::move(replacement)}};
  return o;
}

torch::Tensor ramp(std::vector<int64_t> shape, double start) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (torch::arange(n, torch::kFloat) * 0.5 + start).reshape(shape);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(StateDict, StrictLoadOfPythonStateDict) {
  TinyImpl m;
  const LoadReport r = load_checkpoint_into(m, kOrdered, strict_options());
  EXPECT_TRUE(r.clean()) << r.summary();
  EXPECT_EQ(r.loaded, 9u);
  EXPECT_TRUE(torch::equal(m.conv->weight, ramp({3, 2, 1, 1}, 11)));
  EXPECT_TRUE(torch::equal(m.bn->running_var, ramp({3}, 14)));
  EXPECT_EQ(m.bn->num_batches_tracked.item<int64_t>(), 7);
  EXPECT_EQ(r.summary(), "loaded 9 tensors from " + kOrdered);
}

TEST(StateDict, ShapeMismatchStrictIsAnErrorAndLoadsNothing) {
  TinyImpl m(4);
  const torch::Tensor before = m.conv->weight.clone();
  const std::string msg = error_of([&] { load_checkpoint_into(m, kOrdered, strict_options()); });
  EXPECT_NE(msg.find("2 shape mismatches: fc.weight (checkpoint [2, 3] vs model [4, 3]), fc.bias"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(kOrdered), std::string::npos) << msg;
  EXPECT_TRUE(torch::equal(m.conv->weight, before));
  // Non-strict: everything else loads, the report says what did not.
  const LoadReport r = load_checkpoint_into(m, kOrdered, {});
  EXPECT_EQ(r.loaded, 7u);
  ASSERT_EQ(r.mismatched.size(), 2u);
  EXPECT_EQ(r.mismatched[0].model_shape, (std::vector<int64_t>{4, 3}));
  EXPECT_TRUE(torch::equal(m.conv->weight, ramp({3, 2, 1, 1}, 11)));
}

TEST(StateDict, MissingAndUnexpectedKeysAreListedWithCounts) {
  torch::nn::Module m;
  m.register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 1)));
  m.register_module("extra", torch::nn::Linear(1, 1));
  const std::string msg = error_of([&] { load_checkpoint_into(m, kOrdered, strict_options()); });
  EXPECT_NE(msg.find("2 missing: extra.weight, extra.bias"), std::string::npos) << msg;
  // bn.num_batches_tracked is dropped silently (frozen BN has none).
  EXPECT_NE(msg.find("6 unexpected: bn.weight, bn.bias, bn.running_mean, bn.running_var, fc.weight, ... (+1 more)"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(StateDict, PrefixAndRenameRules) {
  // detr_like: model.{backbone.0.body.conv1.weight [4,3,1,1], class_embed.weight [3,4], query_embed.weight [5,4]}
  torch::nn::Module backbone;
  auto conv1 = backbone.register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 1).bias(false)));
  LoadReport r = load_checkpoint_into(backbone, kDetr, strict_options("backbone.0.body."));
  EXPECT_EQ(r.loaded, 1u);
  EXPECT_TRUE(torch::equal(conv1->weight, ramp({4, 3, 1, 1}, 0)));

  torch::nn::Module head;
  auto cls = head.register_module("cls", torch::nn::Linear(torch::nn::LinearOptions(4, 3).bias(false)));
  auto query = head.register_module("query", torch::nn::Embedding(5, 4));
  LoadOptions opt;
  opt.key = "model";
  opt.rename = {{R"(^class_embed\.)", "cls."}, {R"(^(query)_embed\.)", "$1."}, {R"(^backbone\..*)", "ignored.$&"}};
  opt.strict = false;
  r = load_checkpoint_into(head, kDetr, opt);
  EXPECT_EQ(r.loaded, 2u);
  EXPECT_EQ(r.unexpected, std::vector<std::string>{"ignored.backbone.0.body.conv1.weight"});
  EXPECT_TRUE(torch::equal(query->weight, ramp({5, 4}, 2)));
  EXPECT_TRUE(torch::equal(cls->weight, ramp({3, 4}, 1)));
}

TEST(StateDict, KeySelectionErrors) {
  const Value ck = read_checkpoint(kDetr);
  EXPECT_NE(error_of([&] { extract_state_dict(ck, with_key("modle"), "x.pth"); }).find("did you mean 'model'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { extract_state_dict(ck, with_key("epoch"), "x.pth"); }).find("not a dict"), std::string::npos);
  EXPECT_NE(error_of([&] { extract_state_dict(ck, with_prefix("nothing."), "x.pth"); }).find("no tensors under prefix"),
            std::string::npos);
  EXPECT_NE(error_of([&] { extract_state_dict(ck, with_rule("(", ""), "x.pth"); }).find("invalid rename pattern"),
            std::string::npos);
  EXPECT_NE(error_of([&] { extract_state_dict(ck, with_rule(".*", "same"), "x.pth"); }).find("map both"),
            std::string::npos);
}

TEST(StateDict, DataParallelPrefixAndFrozenBatchNorm) {
  // A DDP-style save (every key under "module.") into a module whose BN has no num_batches_tracked.
  struct Frozen : torch::nn::Module {
    Frozen() {
      for (const char* n : {"weight", "bias", "running_mean", "running_var"}) register_buffer(n, torch::zeros({3}));
    }
  };
  torch::nn::Module m;
  m.register_module("bn", std::make_shared<Frozen>());
  Value sd = Value::dict();
  for (const char* n : {"weight", "bias", "running_mean", "running_var"}) sd.set(std::string("module.bn.") + n, torch::ones({3}));
  sd.set("module.bn.num_batches_tracked", torch::tensor(3, torch::kLong));
  const LoadReport r = load_state_dict(m, extract_state_dict(Value::dict().set("state_dict", sd), {}, "ddp.pth"), true);
  EXPECT_TRUE(r.clean()) << r.summary();
  EXPECT_EQ(r.loaded, 4u);
}

TEST(StateDict, ModuleSaveLoadCycle) {
  TempDir tmp("cycle");
  TinyImpl a, b;
  load_checkpoint_into(a, kOrdered, strict_options());
  write_checkpoint(tmp.file("m.pth"), Value::dict().set("state_dict", state_dict_to_value(module_state_dict(a))).set("epoch", 1));
  const LoadReport r = load_checkpoint_into(b, tmp.file("m.pth"), strict_options());
  EXPECT_EQ(r.loaded, 9u);
  for (const auto& p : module_state_dict(a)) EXPECT_TRUE(torch::equal(p.value(), module_state_dict(b)[p.key()])) << p.key();
}

ComponentCfg init_cfg(const std::string& yaml) { return {parse_yaml_string(yaml, "test.yaml"), "model.backbone.init_cfg"}; }

TEST(PretrainedInit, LoadsWithPrefixRenameAndStrict) {
  torch::nn::Module head;
  auto cls = head.register_module("cls", torch::nn::Linear(torch::nn::LinearOptions(4, 3).bias(false)));
  const LoadReport r = apply_init_cfg(head, init_cfg("type: Pretrained\ncheckpoint: " + kDetr +
                                                     "\nprefix: class_\nrename:\n  - {pattern: '^embed\\.', replacement: 'cls.'}"
                                                     "\nstrict: true\n"));
  EXPECT_EQ(r.loaded, 1u);
  EXPECT_TRUE(torch::equal(cls->weight, ramp({3, 4}, 1)));
  EXPECT_EQ(apply_init_cfg(head, init_cfg("~")).loaded, 0u);  // no init_cfg: nothing happens
}

TEST(PretrainedInit, ConfigErrorsNameTheKeyAndLine) {
  torch::nn::Module m;
  std::string msg = error_of([&] { apply_init_cfg(m, init_cfg("type: Pretrained\ncheckpoint: x.pth\nprefx: a.\n")); });
  EXPECT_NE(msg.find("prefx"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'prefix'"), std::string::npos) << msg;
  msg = error_of([&] { apply_init_cfg(m, init_cfg("type: Pretrianed\ncheckpoint: x.pth\n")); });
  EXPECT_NE(msg.find("did you mean 'Pretrained'"), std::string::npos) << msg;
  msg = error_of([&] { apply_init_cfg(m, init_cfg("type: Pretrained\n")); });
  EXPECT_NE(msg.find("missing required option 'checkpoint'"), std::string::npos) << msg;
  msg = error_of([&] { apply_init_cfg(m, init_cfg("type: Pretrained\ncheckpoint: torchvision://resnet50\n")); });
  EXPECT_NE(msg.find("URL"), std::string::npos) << msg;
  msg = error_of([&] { apply_init_cfg(m, init_cfg("type: Pretrained\ncheckpoint: x.pth\nrename: [{pattern: '(', replacement: ''}]\n")); });
  EXPECT_NE(msg.find("test.yaml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid regex"), std::string::npos) << msg;
  msg = error_of([&] { apply_init_cfg(m, init_cfg("type: Pretrained\ncheckpoint: /no/such.pth\n")); });
  EXPECT_NE(msg.find("model.backbone.init_cfg"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/no/such.pth: cannot open"), std::string::npos) << msg;
}

TEST(StateDict, TorchvisionResNet18FromPython) {
  if (!test::python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch not available";
  TempDir tmp("r18");
  ASSERT_TRUE(test::run_python("make_fixtures.py", tmp.path().string() + " resnet18"));
  const Value sd = read_checkpoint(tmp.file("resnet18.pth"));
  EXPECT_EQ(sd.size(), 122u);  // 62 parameters + 3 buffers x 20 BatchNorms
  EXPECT_EQ(sd.at("conv1.weight").as_tensor().sizes(), (std::vector<int64_t>{64, 3, 7, 7}));
  EXPECT_EQ(sd.at("layer4.1.bn2.running_var").as_tensor().sizes(), (std::vector<int64_t>{512}));
  EXPECT_EQ(sd.at("layer2.0.downsample.0.weight").as_tensor().sizes(), (std::vector<int64_t>{128, 64, 1, 1}));
  EXPECT_EQ(sd.at("fc.weight").as_tensor().sizes(), (std::vector<int64_t>{1000, 512}));
  EXPECT_EQ(sd.at("bn1.num_batches_tracked").as_tensor().scalar_type(), torch::kLong);
  // The stem and classifier, by torchvision's names, into a small module.
  torch::nn::Module m;
  auto conv1 = m.register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
  m.register_module("bn1", torch::nn::BatchNorm2d(64));
  auto fc = m.register_module("fc", torch::nn::Linear(512, 1000));
  const LoadReport r = load_checkpoint_into(m, tmp.file("resnet18.pth"), {});
  EXPECT_EQ(r.loaded, 8u);
  EXPECT_TRUE(r.missing.empty());
  EXPECT_EQ(r.unexpected.size(), 95u);  // 114 others, less 19 num_batches_tracked (not reported)
  EXPECT_TRUE(torch::equal(conv1->weight, sd.at("conv1.weight").as_tensor()));
  EXPECT_TRUE(torch::equal(fc->bias, sd.at("fc.bias").as_tensor()));
}

}  // namespace
}  // namespace detseq::io
