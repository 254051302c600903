// The data CLI commands end to end on coco_tiny8: browse-dataset writes one drawn image per item,
// benchmark data reports a rate, and bad flags fail with a one-line error.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;

namespace {

struct Result {
  int status;
  std::string output;
};

Result run(const std::string& args) {
  const std::string cmd = "cd " DETSEQ_SOURCE_DIR " && " DETSEQ_BINARY " " + args + " 2>&1";
  std::array<char, 4096> buf{};
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, ""};
  while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  return {pclose(pipe), out};
}

}  // namespace

TEST(DataCommands, BrowseDatasetWritesDrawnImages) {
  const fs::path dir = fs::temp_directory_path() / "detseq_browse_test";
  fs::remove_all(dir);
  Result r = run("browse-dataset configs/_base_/datasets/coco_tiny8.yaml --output-dir " + dir.string() + " -n 3");
  ASSERT_EQ(r.status, 0) << r.output;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().extension() == ".jpg";
  EXPECT_EQ(files, 3);
  Result val = run("browse-dataset configs/_base_/datasets/coco_tiny8.yaml --phase val --output-dir " + dir.string() + " -n 8");
  ASSERT_EQ(val.status, 0) << val.output;
  Result bad = run("browse-dataset configs/_base_/datasets/coco_tiny8.yaml --phase nope");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("--phase must be train, val or test"), std::string::npos) << bad.output;
}

TEST(DataCommands, BenchmarkDataReportsARate) {
  Result r = run("benchmark data configs/_base_/datasets/coco_tiny8.yaml --num-workers 2 -n 8");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("images/s"), std::string::npos) << r.output;
  Result load = run("benchmark data configs/_base_/datasets/coco_tiny8.yaml --load-only");  // train: 1 empty image filtered
  ASSERT_EQ(load.status, 0) << load.output;
  EXPECT_NE(load.output.find("7 images, 56 annotations"), std::string::npos) << load.output;
}
