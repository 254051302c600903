// Hostile checkpoints (crafted pickle programs, flipped bytes): each is one detseq::Error line
// naming the file, never a stack overflow, a runaway allocation or a leak.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/io/checkpoint.h"
#include "core/io/zip_directory.h"
#include "core/util/error.h"
#include "tests/io/io_test_util.h"

namespace detseq::io {
namespace {

const std::string kProto = std::string("\x80\x02", 2);

std::string u32(uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string str(const std::string& s) { return "X" + u32(static_cast<uint32_t>(s.size())) + s; }
std::string memo_put(uint32_t i) { return "r" + u32(i); }
std::string memo_get(uint32_t i) { return "j" + u32(i); }

// Expects the pickle program `pkl` (as data.pkl of a zip) to be rejected with `needle`.
void expect_rejected(const std::string& pkl, const std::string& needle) {
  try {
    read_checkpoint_bytes(test::make_zip({{"data.pkl", pkl}}), "hostile.pth");
    FAIL() << "accepted; expected: " << needle;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("hostile.pth: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(CheckpointHostile, DictContainingItself) {
  // d = {}; d['a'] = d
  expect_rejected(kProto + "}" + memo_put(0) + str("a") + memo_get(0) + "s.", "contains itself at root['a']");
}

TEST(CheckpointHostile, ListContainingItselfThenDropped) {
  // A self-referential list popped off the stack (no leak: see ~Unpickler), then a bad opcode.
  expect_rejected(kProto + "]2a0\x82", "unsupported pickle opcode");
  expect_rejected(kProto + "]2a0}.", "contains itself");
}

TEST(CheckpointHostile, SelfReferentialRebuildArguments) {
  // L = [f, None, L, None]; f(*L) with f = _rebuild_from_type_v2 recursed on L[2] forever.
  const std::string pkl = kProto + "ctorch._tensor\n_rebuild_from_type_v2\n" + memo_put(0) + "]" + memo_put(1) + "(" +
                          memo_get(0) + "N" + memo_get(1) + "NeR.";
  expect_rejected(pkl, "nested too deep");
}

TEST(CheckpointHostile, ContainersNestedAMillionDeep) {
  const size_t n = 1000000;
  const std::string pkl = kProto + std::string(n, ']') + std::string(n - 1, 'a') + ".";
  expect_rejected(pkl, "nests deeper than 256 levels at root[0][0][0]");
}

TEST(CheckpointHostile, SharedDictsWithExponentiallyManyPaths) {
  // d0 = {}; d(i+1) = {'a': di, 'b': di}: 2^60 paths from a program of a few hundred bytes.
  std::string pkl = kProto + "}" + memo_put(0);
  for (uint32_t i = 0; i < 60; ++i) pkl += "}(" + str("a") + memo_get(i) + str("b") + memo_get(i) + "u" + memo_put(i + 1);
  pkl += ".";
  ASSERT_LT(pkl.size(), 2000u);
  expect_rejected(pkl, "expands to more than");
}

TEST(CheckpointHostile, TooManyValues) {
  std::string pushes;
  for (size_t i = 0; i <= (size_t(1) << 22); ++i) pushes += "N0";  // push + pop: the stack stays small
  expect_rejected(kProto + pushes + ".", "creates more than");
}

TEST(CheckpointHostile, TopLevelMustBeADict) {
  expect_rejected(kProto + "](K\x01K\x02" "e.", "holds a list(2), expected a dict");
}

// Legitimate sharing (the same dict reached twice) stays accepted.
TEST(CheckpointHostile, SharedButFiniteIsFine) {
  const std::string pkl = kProto + "}" + memo_put(0) + str("x") + "K\x07s}(" + str("a") + memo_get(0) + str("b") +
                          memo_get(0) + "u.";
  const Value v = read_checkpoint_bytes(test::make_zip({{"data.pkl", pkl}}), "ok.pth");
  EXPECT_EQ(v.at("b").at("x").as_int(), 7);
}

TEST(CheckpointHostile, FlippedByteInAStorageFailsItsCrc) {
  test::TempDir tmp("crc");
  std::string bytes = serialize_checkpoint(Value::dict().set("w", torch::full({256}, 1.0f)));
  const std::string ones = std::string("\x00\x00\x80\x3f", 4) + std::string("\x00\x00\x80\x3f", 4);
  const size_t at = bytes.find(ones);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 2] ^= 0x10;
  const std::string path = tmp.file("flipped.pth");
  test::write_bytes(path, bytes);
  for (int from_memory = 0; from_memory < 2; ++from_memory) {
    try {
      if (from_memory) read_checkpoint_bytes(bytes, path);
      else read_checkpoint(path);
      FAIL() << "a flipped byte was loaded";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path + ": record data/0 is corrupt (CRC-32", 0), 0u) << msg;
    }
  }
}

TEST(CheckpointHostile, FlippedByteInThePickleFailsItsCrc) {
  std::string bytes = serialize_checkpoint(Value::dict().set("epoch", 12345));
  const size_t at = bytes.find("epoch", bytes.find("data.pkl"));
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'E';
  try {
    read_checkpoint_bytes(bytes, "x.pth");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("record data.pkl is corrupt"), std::string::npos) << e.what();
  }
}

TEST(ValueTree, DeepTreesAreDestroyedWithoutRecursion) {
  Value root = Value::list();
  Value* inner = &root;
  for (int i = 0; i < 1000000; ++i) {
    inner->push_back(Value::dict());
    Value& d = inner->elements().back();
    d.set("x", Value::list());
    inner = &d.items().back().second;
  }
  EXPECT_THROW(check_tree({&root}), Error);
  root = Value();  // must not overflow the stack
}

TEST(ValueTree, CheckTreeLimits) {
  Value leaf = Value::list({1, 2, 3});
  Value pair = Value::tuple({leaf, leaf});
  EXPECT_NO_THROW(check_tree({&pair}));
  TreeLimits tight;
  tight.max_expanded = 6;
  EXPECT_THROW(check_tree({&pair}, tight), Error);  // 1 + 2 * (1 + 3) = 9 values once expanded
  tight.max_expanded = 9;
  EXPECT_NO_THROW(check_tree({&pair}, tight));
  Value self = Value::opaque("x.Y");
  self.set_opaque_state(Value::list({self}));
  try {
    check_tree({&self});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("root.__state__[0]"), std::string::npos) << e.what();
  }
  self.clear_children();  // breaks the cycle so the test does not leak
}

TEST(ZipDirectory, CrcMatchesZlib) { EXPECT_EQ(crc32_of("123456789", 9), 0xCBF43926u); }

}  // namespace
}  // namespace detseq::io
