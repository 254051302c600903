// Writing checkpoints: C++ -> C++ and C++ -> Python torch.load round trips, atomic replacement.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "tests/io/io_test_util.h"

namespace detseq::io {
namespace {

using test::TempDir;

torch::Tensor ramp(int64_t n, torch::ScalarType dtype) {
  return (torch::arange(n, torch::kDouble) * 2.0 + 1.0).to(dtype);
}

// What check_roundtrip.py expects.
Value sample_checkpoint() {
  const torch::Tensor w = torch::arange(6, torch::kFloat).view({2, 3});
  Value sd = Value::dict();
  sd.set("w", w).set("wt", w.t()).set("row", w[1]);
  sd.set("f16", ramp(5, torch::kHalf)).set("bf16", ramp(5, torch::kBFloat16)).set("f64", ramp(5, torch::kDouble));
  sd.set("i64", ramp(5, torch::kLong)).set("u8", ramp(5, torch::kByte));
  sd.set("mask", torch::tensor({true, false, true})).set("scalar", torch::tensor(2.5f));
  Value meta = Value::dict();
  meta.set("epoch", 3).set("iter", int64_t{12345678901234}).set("lr", 0.001).set("neg", -7);
  meta.set("config", "model:\n  type: DETR\n").set("classes", Value::list({"cat", "dog"}));
  meta.set("flag", true).set("nothing", Value());
  Value state = Value::dict();
  state.set(0, Value::dict().set("step", 4).set("exp_avg", torch::zeros({3})));
  state.set(1, Value::dict().set("step", 5).set("exp_avg", torch::ones({2})));
  Value groups = Value::list({Value::dict().set("lr", 1e-4).set("params", Value::list({0, 1}))});
  Value ck = Value::dict();
  ck.set("state_dict", sd).set("meta", meta).set("optimizer", Value::dict().set("state", state).set("param_groups", groups));
  ck.set("tuple", Value::tuple({1, "a"})).set("bytes", Value::bytes(std::string("\x00\x01\xff", 3)));
  return ck;
}

TEST(CheckpointWrite, CppRoundTrip) {
  TempDir tmp("rt");
  const Value original = sample_checkpoint();
  write_checkpoint(tmp.file("sub/dir/ck.pth"), original);  // parent dirs are created
  const Value back = read_checkpoint(tmp.file("sub/dir/ck.pth"));
  const Value& sd = back.at("state_dict");
  EXPECT_EQ(sd.keys(), original.at("state_dict").keys());
  for (const auto& [k, v] : original.at("state_dict").items()) {
    const torch::Tensor& got = sd.at(k.as_string()).as_tensor();
    EXPECT_EQ(got.scalar_type(), v.as_tensor().scalar_type()) << k.as_string();
    EXPECT_EQ(got.strides(), v.as_tensor().strides()) << k.as_string();
    EXPECT_TRUE(torch::equal(got, v.as_tensor())) << k.as_string();
  }
  EXPECT_EQ(sd.at("wt").as_tensor().storage().data(), sd.at("w").as_tensor().storage().data());
  EXPECT_EQ(sd.at("row").as_tensor().storage_offset(), 3);
  const Value& meta = back.at("meta");
  EXPECT_EQ(meta.at("iter").as_int(), 12345678901234);
  EXPECT_EQ(meta.at("neg").as_int(), -7);
  EXPECT_DOUBLE_EQ(meta.at("lr").as_double(), 0.001);
  EXPECT_EQ(meta.at("config").as_string(), "model:\n  type: DETR\n");
  EXPECT_EQ(meta.at("classes").elements()[1].as_string(), "dog");
  EXPECT_TRUE(meta.at("flag").as_bool());
  EXPECT_TRUE(meta.at("nothing").is_none());
  EXPECT_EQ(back.at("optimizer").at("state").find(int64_t{1})->at("step").as_int(), 5);
  EXPECT_TRUE(back.at("tuple").is_tuple());
  EXPECT_EQ(back.at("bytes").as_string(), std::string("\x00\x01\xff", 3));
  // Serialization is deterministic: the same tree gives the same bytes.
  EXPECT_EQ(serialize_checkpoint(original), serialize_checkpoint(original));
}

TEST(CheckpointWrite, PythonTorchLoadReadsIt) {
  if (!test::python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch not available";
  TempDir tmp("py");
  write_checkpoint(tmp.file("ck.pth"), sample_checkpoint());
  EXPECT_TRUE(test::run_python("check_roundtrip.py", tmp.file("ck.pth")));
}

TEST(CheckpointWrite, OpaqueValuesCannotBeWritten) {
  try {
    serialize_checkpoint(Value::dict().set("args", Value::opaque("argparse.Namespace")));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("argparse.Namespace"), std::string::npos) << e.what();
  }
}

std::vector<std::string> dir_entries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

TEST(CheckpointWrite, FailedSaveLeavesPreviousFileIntact) {
  TempDir tmp("atomic");
  const std::string path = tmp.file("latest.pth");
  write_checkpoint(path, Value::dict().set("epoch", 1).set("w", torch::ones({4})));
  const std::string good = serialize_checkpoint(Value::dict().set("epoch", 2).set("w", torch::zeros({1000})));
  // The save dies half-way through writing its bytes.
  EXPECT_THROW(write_file_atomic(path,
                                 [&](std::ostream& os) {
                                   os.write(good.data(), static_cast<std::streamsize>(good.size() / 2));
                                   throw Error("simulated crash during save");
                                 }),
               Error);
  // A save whose serialization fails (after a tensor was already pickled).
  EXPECT_THROW(write_checkpoint(path, Value::dict().set("w", torch::ones({2})).set("x", Value::opaque("numpy.ndarray"))),
               Error);
  const Value still = read_checkpoint(path);
  EXPECT_EQ(still.at("epoch").as_int(), 1);
  EXPECT_TRUE(torch::equal(still.at("w").as_tensor(), torch::ones({4})));
  EXPECT_EQ(dir_entries(tmp.path()), std::vector<std::string>{"latest.pth"});  // no temp files left
  // A successful save replaces it.
  write_file_atomic(path, good);
  EXPECT_EQ(read_checkpoint(path).at("epoch").as_int(), 2);
  EXPECT_EQ(dir_entries(tmp.path()), std::vector<std::string>{"latest.pth"});
}

// A process killed (SIGKILL) in the middle of a save: the previous checkpoint still loads.
TEST(CheckpointWrite, KilledDuringSaveLeavesPreviousFile) {
  TempDir tmp("kill");
  const std::string path = tmp.file("latest.pth");
  write_checkpoint(path, Value::dict().set("epoch", 1));
  const std::string next = serialize_checkpoint(Value::dict().set("epoch", 2).set("w", torch::zeros({4096})));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the "training run": writes half of the new checkpoint, then hangs in the save
    write_file_atomic(path, [&](std::ostream& os) {
      os.write(next.data(), static_cast<std::streamsize>(next.size() / 2));
      os.flush();
      ::pause();
    });
    ::_exit(0);
  }
  // Wait until the half-written temp file exists, then kill the writer.
  bool started = false;
  for (int i = 0; i < 500 && !started; ++i) {
    for (const auto& e : std::filesystem::directory_iterator(tmp.path())) {
      if (e.path().filename().string().rfind(".latest.pth.tmp.", 0) == 0 && e.file_size() > 0) started = true;
    }
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(started) << "the child never started writing";
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(read_checkpoint(path).at("epoch").as_int(), 1);
  write_checkpoint(path, read_checkpoint_bytes(next, "next"));  // the next save still works
  EXPECT_EQ(read_checkpoint(path).at("epoch").as_int(), 2);
}

TEST(CheckpointWrite, UnwritableDirectoryIsAClearError) {
  TempDir tmp("ro");
  test::write_bytes(tmp.file("file"), "x");
  try {
    write_checkpoint(tmp.file("file/ck.pth"), Value::dict());  // parent is a regular file
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ck.pth"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace detseq::io
