// Regression test for the fuzzers: every committed input (seed corpora and the inputs that once
// crashed, tests/fuzz/{corpus,crashes}/<target>/) goes through the same entry point as in the
// libFuzzer build. Passing means: no crash, only one-line detseq::Errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include "tests/fuzz/fuzz_checkpoint.h"
#include "tests/fuzz/fuzz_coco_json.h"
#include "tests/fuzz/fuzz_config.h"
#include "tests/fuzz/fuzz_voc.h"

namespace fs = std::filesystem;

namespace {

size_t run_inputs(const std::string& target, const std::function<int(const uint8_t*, size_t)>& entry) {
  detseq::fuzz::on_finding = [](const std::string& what) { ADD_FAILURE() << what; };
  size_t n = 0;
  for (const char* kind : {"corpus", "crashes"}) {
    const fs::path dir = fs::path(DETSEQ_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& f : fs::directory_iterator(dir)) {
      std::ifstream in(f.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      SCOPED_TRACE(f.path().string());
      entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST(FuzzInputs, Config) { EXPECT_GT(run_inputs("config", detseq::fuzz::fuzz_config), 0u); }
TEST(FuzzInputs, Checkpoint) { EXPECT_GT(run_inputs("checkpoint", detseq::fuzz::fuzz_checkpoint), 0u); }
TEST(FuzzInputs, CocoJson) { EXPECT_GT(run_inputs("coco_json", detseq::fuzz::fuzz_coco_json), 0u); }
TEST(FuzzInputs, Voc) { EXPECT_GT(run_inputs("voc", detseq::fuzz::fuzz_voc), 0u); }
