// The data CLI commands end to end on coco_tiny8: browse-dataset writes one drawn image per item,
// benchmark data reports a rate, and bad flags fail with a one-line error.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
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

// Padding after Normalize is 0 in normalised units: the model sees the mean colour there, and so
// does the picture (not black).
TEST(DataCommands, BrowseDatasetShowsPaddingAsTheModelSeesIt) {
  const fs::path dir = fs::temp_directory_path() / "detseq_browse_pad_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path cfg = dir / "pad.yaml";
  std::ofstream(cfg) << "_base_: " << DETSEQ_SOURCE_DIR << "/configs/_base_/datasets/coco_tiny8.yaml\n"
                     << "val_dataloader:\n  dataset:\n    pipeline:\n"
                     << "      - {type: LoadImageFromFile}\n"
                     << "      - {type: Resize, scale: [64, 64], keep_ratio: false}\n"
                     << "      - {type: Normalize, mean: [100, 150, 200], std: [50, 50, 50]}\n"
                     << "      - {type: Pad, size: [96, 80]}\n"
                     << "      - {type: PackDetInputs}\n";
  Result r = run("browse-dataset " + cfg.string() + " --phase val --output-dir " + (dir / "out").string() +
                 " -n 1 --no-crowd");
  ASSERT_EQ(r.status, 0) << r.output;
  fs::path image;
  for (const auto& e : fs::directory_iterator(dir / "out")) image = e.path();
  const cv::Mat bgr = cv::imread(image.string());
  ASSERT_EQ(bgr.cols, 96);
  ASSERT_EQ(bgr.rows, 80);
  const cv::Vec3b corner = bgr.at<cv::Vec3b>(78, 94);  // padding, far from any box
  EXPECT_NEAR(corner[2], 100, 3);  // R (JPEG round-off)
  EXPECT_NEAR(corner[1], 150, 3);
  EXPECT_NEAR(corner[0], 200, 3);
}

TEST(DataCommands, BenchmarkDataReportsARate) {
  Result r = run("benchmark data configs/_base_/datasets/coco_tiny8.yaml --num-workers 2 -n 8");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("images/s"), std::string::npos) << r.output;
  Result load = run("benchmark data configs/_base_/datasets/coco_tiny8.yaml --load-only");  // train: 1 empty image filtered
  ASSERT_EQ(load.status, 0) << load.output;
  EXPECT_NE(load.output.find("7 images, 56 annotations"), std::string::npos) << load.output;
}
