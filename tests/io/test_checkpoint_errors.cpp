// Bad inputs: every one is a single-line detseq::Error naming the file, never a crash or a raw
// c10::Error.
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <random>

#include "core/io/checkpoint.h"
#include "core/io/pickle.h"
#include "core/util/error.h"
#include "tests/io/io_test_util.h"

namespace detseq::io {
namespace {

using test::TempDir;

// Expects read_checkpoint(path) to throw one line mentioning `path` and `needle`.
void expect_read_error(const std::string& path, const std::string& needle) {
  try {
    read_checkpoint(path);
    FAIL() << path << " was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

using test::make_zip;

const std::string kFixture = test::committed_fixtures() + "/ordered_sd.pth";

TEST(CheckpointErrors, MissingEmptyAndNotAZip) {
  TempDir tmp("err");
  expect_read_error(tmp.file("nope.pth"), "cannot open");
  test::write_bytes(tmp.file("empty.pth"), "");
  expect_read_error(tmp.file("empty.pth"), "empty file");
  test::write_bytes(tmp.file("text.pth"), "model:\n  type: DETR\n");
  expect_read_error(tmp.file("text.pth"), "not a PyTorch checkpoint");
}

TEST(CheckpointErrors, TruncatedAtAnyPointIsAnError) {
  TempDir tmp("trunc");
  const std::string bytes = test::read_bytes(kFixture);
  ASSERT_GT(bytes.size(), 1000u);
  const std::string path = tmp.file("cut.pth");
  for (size_t keep = 4; keep < bytes.size(); keep += 97) {
    test::write_bytes(path, bytes.substr(0, keep));
    EXPECT_THROW(read_checkpoint(path), Error) << "kept " << keep << " bytes";
  }
  test::write_bytes(path, bytes.substr(0, bytes.size() / 2));
  expect_read_error(path, "truncated");
}

TEST(CheckpointErrors, ZipWithoutDataPkl) {
  TempDir tmp("nopkl");
  test::write_bytes(tmp.file("x.pth"), make_zip({{"weights.bin", "abc"}}));
  expect_read_error(tmp.file("x.pth"), "missing record data.pkl");
}

TEST(CheckpointErrors, MissingStorageRecord) {
  TempDir tmp("nostorage");
  std::vector<PickledStorage> storages;
  const std::string pkl = pickle(Value::dict().set("w", torch::ones({3})), storages);
  test::write_bytes(tmp.file("x.pth"), make_zip({{"data.pkl", pkl}}));
  expect_read_error(tmp.file("x.pth"), "missing record data/0");
}

TEST(CheckpointErrors, ShortStorageRecord) {
  TempDir tmp("shortstorage");
  std::vector<PickledStorage> storages;
  const std::string pkl = pickle(Value::dict().set("w", torch::ones({3})), storages);
  test::write_bytes(tmp.file("x.pth"), make_zip({{"data.pkl", pkl}, {"data/0", std::string(8, '\0')}}));
  expect_read_error(tmp.file("x.pth"), "has 8 bytes, expected 12");
}

TEST(CheckpointErrors, UnsupportedOpcodeAndBadPickle) {
  TempDir tmp("opcode");
  test::write_bytes(tmp.file("ext.pth"), make_zip({{"data.pkl", std::string("\x80\x02\x82\x01.", 5)}}));
  expect_read_error(tmp.file("ext.pth"), "unsupported pickle opcode 0x82");
  test::write_bytes(tmp.file("short.pth"), make_zip({{"data.pkl", std::string("\x80\x02X\xff\x00\x00\x00" "ab", 9)}}));
  expect_read_error(tmp.file("short.pth"), "truncated pickle data");
  test::write_bytes(tmp.file("under.pth"), make_zip({{"data.pkl", std::string("\x80\x02s.", 4)}}));
  expect_read_error(tmp.file("under.pth"), "stack underflow");
}

TEST(CheckpointErrors, TensorOutsideItsStorage) {
  TempDir tmp("bounds");
  std::vector<PickledStorage> storages;
  std::string pkl = pickle(Value::dict().set("w", torch::ones({3})), storages);
  // The offset is the BININT 'J' right after the BINPERSID 'Q': point it past the storage.
  const size_t q = pkl.find('Q');
  ASSERT_EQ(pkl[q + 1], 'J');
  pkl[q + 2] = 5;
  const std::string data(12, '\0');
  test::write_bytes(tmp.file("x.pth"), make_zip({{"data.pkl", pkl}, {"data/0", data}}));
  expect_read_error(tmp.file("x.pth"), "does not fit its storage");
}

// Files written on big-endian machines say so in a `byteorder` record; their elements are swapped.
TEST(CheckpointErrors, BigEndianStoragesAreSwapped) {
  std::vector<PickledStorage> storages;
  const torch::Tensor w = torch::tensor({1.5f, -2.f, 3.25f});
  const torch::Tensor n = torch::tensor({int64_t{1} << 40, int64_t{-3}});
  const std::string pkl = pickle(Value::dict().set("w", w).set("n", n).set("b", torch::tensor({true, false})), storages);
  std::map<std::string, std::string> records{{"data.pkl", pkl}, {"byteorder", "big"}};
  for (const PickledStorage& s : storages) {
    std::string bytes(static_cast<const char*>(s.storage.data_ptr()), s.storage.nbytes());
    const size_t e = s.storage.element_size();
    for (size_t i = 0; i < bytes.size(); i += e) std::reverse(bytes.begin() + i, bytes.begin() + i + e);
    records["data/" + s.key] = bytes;
  }
  const Value v = read_checkpoint_bytes(make_zip(records), "big.pth");
  EXPECT_TRUE(torch::equal(v.at("w").as_tensor(), w));
  EXPECT_TRUE(torch::equal(v.at("n").as_tensor(), n));
  EXPECT_TRUE(torch::equal(v.at("b").as_tensor(), torch::tensor({true, false})));
}

// Random byte corruption of a real data.pkl: each result is a value or a detseq::Error.
TEST(CheckpointErrors, CorruptPickleNeverCrashes) {
  caffe2::serialize::PyTorchStreamReader reader(test::committed_fixtures() + "/detr_like.pth");
  std::map<std::string, std::string> records;
  for (const std::string& name : reader.getAllRecords()) {
    auto [ptr, size] = reader.getRecord(name);
    records[name] = std::string(static_cast<const char*>(ptr.get()), size);
  }
  const std::string pkl = records.at("data.pkl");
  std::mt19937 gen(1234);
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = pkl;
    for (int k = 0; k < 3; ++k) bad[gen() % bad.size()] = static_cast<char>(gen() & 0xFF);
    records["data.pkl"] = bad;
    try {
      read_checkpoint_bytes(make_zip(records), "fuzz.pth");
    } catch (const Error& e) {
      ++errors;
      EXPECT_EQ(std::string(e.what()).rfind("fuzz.pth: ", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(errors, 50);
}

}  // namespace
}  // namespace detseq::io
