// Reading torch.save files: the committed fixtures (always) and the same files freshly written by
// /usr/bin/python3 (when it has torch; otherwise that test is skipped). Values are the closed forms of fixtures/make_fixtures.py.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/io/checkpoint.h"
#include "core/io/state_dict.h"
#include "core/util/error.h"
#include "tests/io/io_test_util.h"

namespace detseq::io {
namespace {

using test::TempDir;

// make_fixtures.py's ramp(): arange(n) * scale + start, reshaped, cast.
torch::Tensor ramp(std::vector<int64_t> shape, double scale = 0.5, double start = 0.0,
                   torch::ScalarType dtype = torch::kFloat) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (torch::arange(n, torch::kDouble) * scale + start).reshape(shape).to(dtype);
}

void expect_tensor(const Value& v, const torch::Tensor& expected) {
  ASSERT_TRUE(v.is_tensor()) << v.describe();
  const torch::Tensor& t = v.as_tensor();
  EXPECT_EQ(t.scalar_type(), expected.scalar_type());
  EXPECT_EQ(t.sizes(), expected.sizes());
  EXPECT_TRUE(torch::equal(t, expected)) << t << "\nvs\n" << expected;
}

void check_ordered_sd(const std::string& path) {
  const Value sd = read_checkpoint(path);
  ASSERT_TRUE(sd.is_dict());
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                                 "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"}));
  expect_tensor(sd.at("conv.weight"), ramp({3, 2, 1, 1}, 0.5, 11));
  expect_tensor(sd.at("bn.running_var"), ramp({3}, 0.5, 14));
  expect_tensor(sd.at("fc.bias"), ramp({2}, 0.5, 7));
  expect_tensor(sd.at("bn.num_batches_tracked"), torch::tensor(7, torch::kLong));
}

void check_nested(const std::string& path) {
  const Value v = read_checkpoint(path);
  expect_tensor(v.at("a").at("b").at("c"), ramp({2, 2}));
  const Value& list = v.at("list");
  ASSERT_TRUE(list.is_list());
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list.elements()[0].as_int(), 1);
  EXPECT_DOUBLE_EQ(list.elements()[1].as_double(), 2.5);
  EXPECT_EQ(list.elements()[2].as_string(), "x");
  EXPECT_TRUE(list.elements()[3].is_none());
  EXPECT_TRUE(list.elements()[4].as_bool());
  ASSERT_TRUE(v.at("tuple").is_tuple());
  EXPECT_EQ(v.at("tuple").elements()[1].as_string(), "two");
  ASSERT_TRUE(v.at("bytes").is_bytes());
  EXPECT_EQ(v.at("bytes").as_string(), std::string("\x00\xff", 2));
  ASSERT_NE(v.at("int_keys").find(int64_t{1}), nullptr);
  expect_tensor(*v.at("int_keys").find(int64_t{1}), ramp({2}));
  EXPECT_EQ(v.at("big").as_int(), int64_t{1} << 40);
  EXPECT_EQ(v.at("neg").as_int(), -5);
  EXPECT_TRUE(v.at("huge").is_opaque());  // 2**80 does not fit; skipped, not fatal
  EXPECT_EQ(v.at("set").elements()[0].as_int(), 3);
  EXPECT_EQ(v.at("unicode").as_string(), "h\xc3\xa9llo");
  // Flattening nested dicts: int keys become names, non-tensors are skipped.
  const StateDict flat = flatten_tensors(v);
  EXPECT_EQ(flat.keys(), (std::vector<std::string>{"a.b.c", "int_keys.0", "int_keys.1"}));
}

void check_detr_like(const std::string& path) {
  const Value ckpt = read_checkpoint(path);
  EXPECT_EQ(ckpt.at("epoch").as_int(), 3);
  const Value& args = ckpt.at("args");
  ASSERT_TRUE(args.is_opaque());
  EXPECT_EQ(args.type_name(), "argparse.Namespace");
  EXPECT_EQ(args.opaque_state().at("backbone").as_string(), "resnet50");  // attributes kept for inspection
  EXPECT_FALSE(args.opaque_state().at("dilation").as_bool());
  EXPECT_TRUE(ckpt.at("np_scalar").is_opaque());
  EXPECT_EQ(ckpt.at("device").type_name(), "torch.device");
  EXPECT_EQ(ckpt.at("dtype").type_name(), "torch.float16");
  const Value& opt = ckpt.at("optimizer");
  EXPECT_EQ(opt.at("state").find(int64_t{0})->at("step").as_int(), 3);
  EXPECT_DOUBLE_EQ(opt.at("param_groups").elements()[0].at("lr").as_double(), 1e-4);
  // The weights are found under "model" automatically.
  const StateDict sd = extract_state_dict(ckpt, {}, path);
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"backbone.0.body.conv1.weight", "class_embed.weight", "query_embed.weight"}));
  EXPECT_TRUE(torch::equal(sd["query_embed.weight"], ramp({5, 4}, 0.5, 2.0)));
}

void check_shared(const std::string& path) {
  const Value v = read_checkpoint(path);
  const torch::Tensor base = torch::arange(12, torch::kFloat);
  expect_tensor(v.at("a"), base.view({3, 4}));
  expect_tensor(v.at("b"), base.slice(0, 2, 8));
  expect_tensor(v.at("c"), base.view({3, 4}).t());
  expect_tensor(v.at("d"), base.view({3, 4}).slice(1, 1, 4, 2));
  const torch::Tensor a = v.at("a").as_tensor(), b = v.at("b").as_tensor(), c = v.at("c").as_tensor();
  EXPECT_FALSE(c.is_contiguous());
  EXPECT_EQ(c.strides(), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(b.storage_offset(), 2);
  EXPECT_EQ(a.storage().data(), b.storage().data());
  a.fill_(-1);  // one storage, as in Python
  EXPECT_EQ(b[0].item<float>(), -1.f);
  EXPECT_EQ(c[0][1].item<float>(), -1.f);
}

void check_dtypes(const std::string& path) {
  const Value v = read_checkpoint(path);
  expect_tensor(v.at("f16"), ramp({5}, 0.25, 0, torch::kHalf));
  expect_tensor(v.at("bf16"), ramp({5}, 0.25, 0, torch::kBFloat16));
  expect_tensor(v.at("f64"), ramp({5}, 0.25, 0, torch::kDouble));
  expect_tensor(v.at("i64"), ramp({5}, 1, -2, torch::kLong));
  expect_tensor(v.at("i32"), ramp({5}, 1, -2, torch::kInt));
  expect_tensor(v.at("i8"), ramp({5}, 1, -2, torch::kChar));
  expect_tensor(v.at("u8"), ramp({5}, 50, 0, torch::kByte));
  expect_tensor(v.at("bool"), torch::tensor({true, false, true, true, false}));
  expect_tensor(v.at("scalar"), torch::tensor(3.5f));
  expect_tensor(v.at("empty"), torch::zeros({0, 3}));
  expect_tensor(v.at("param"), ramp({2}));  // nn.Parameter -> plain tensor
}

void check_legacy(const std::string& path) {
  try {
    read_checkpoint(path);
    FAIL() << "legacy file accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("legacy"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

std::string committed(const std::string& name) { return test::committed_fixtures() + "/" + name + ".pth"; }

TEST(FixtureRead, OrderedDictStateDictWithMetadata) { check_ordered_sd(committed("ordered_sd")); }
TEST(FixtureRead, NestedPythonValues) { check_nested(committed("nested")); }
TEST(FixtureRead, DetrLikeCheckpointSkipsPythonObjects) { check_detr_like(committed("detr_like")); }
TEST(FixtureRead, ViewsShareOneStorage) { check_shared(committed("shared")); }
TEST(FixtureRead, AllDtypes) { check_dtypes(committed("dtypes")); }
TEST(FixtureRead, LegacyFormatIsRejectedClearly) { check_legacy(committed("legacy")); }

// The same checks on files written now by Python's torch.save (one Python run for all).
TEST(FixtureRead, FreshFilesFromPython) {
  if (!test::python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch not available";
  TempDir tmp("read");
  ASSERT_TRUE(test::run_python("make_fixtures.py", tmp.path().string()));
  check_ordered_sd(tmp.file("ordered_sd.pth"));
  check_nested(tmp.file("nested.pth"));
  check_detr_like(tmp.file("detr_like.pth"));
  check_shared(tmp.file("shared.pth"));
  check_dtypes(tmp.file("dtypes.pth"));
  check_legacy(tmp.file("legacy.pth"));
}

}  // namespace
}  // namespace detseq::io
