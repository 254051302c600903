// Analysis commands without pictures: analyze-logs cal-train-time on hand-written JSON-lines logs
// (LoggerHook's layout) and get-flops on a small config.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/test_util.h"

namespace {

std::string write_log(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "detseq_analyze_logs_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(AnalyzeLogs, CalTrainTimeAsMmdet) {
  // Epoch 1: 0.9 (dropped, first of the epoch), 0.2, 0.4 -> 0.3; epoch 2: 0.5 (dropped), 0.1 -> 0.1.
  // A validation line (metric keys with '/') has a time too and is not an iteration.
  const std::string log = write_log("scalars.json",
                                    "{\"lr\": 0.1, \"time\": 0.9, \"loss\": 2.0, \"epoch\": 1, \"iter\": 10}\n"
                                    "{\"lr\": 0.1, \"time\": 0.2, \"loss\": 1.5, \"epoch\": 1, \"iter\": 20}\n"
                                    "{\"lr\": 0.1, \"time\": 0.4, \"loss\": 1.2, \"epoch\": 1, \"iter\": 30}\n"
                                    "{\"coco/bbox_mAP\": 0.1, \"time\": 7.0, \"epoch\": 1, \"step\": 1}\n"
                                    "\n"
                                    "{\"lr\": 0.1, \"time\": 0.5, \"loss\": 1.0, \"epoch\": 2, \"iter\": 40}\n"
                                    "{\"lr\": 0.1, \"time\": 0.1, \"loss\": 0.9, \"epoch\": 2, \"iter\": 50}\n");
  const auto r = detseq::test::run_detseq("analyze-logs cal-train-time " + log);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("-----Analyze train time of " + log + "-----"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("slowest epoch 1, average time is 0.3000 s/iter"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fastest epoch 2, average time is 0.1000 s/iter"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("time std over epochs is 0.1000"), std::string::npos) << r.out;
  // (0.2 + 0.4 + 0.1) / 3 records.
  EXPECT_NE(r.out.find("average iter time: 0.2333 s/iter (3 records)"), std::string::npos) << r.out;

  const auto all = detseq::test::run_detseq("analyze-logs cal-train-time --include-outliers " + log);
  ASSERT_EQ(all.code, 0) << all.out;
  EXPECT_NE(all.out.find("slowest epoch 1, average time is 0.5000 s/iter"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("(5 records)"), std::string::npos) << all.out;
}

TEST(AnalyzeLogs, ClearErrors) {
  const std::string one = write_log("one.json", "{\"time\": 0.9, \"epoch\": 1, \"iter\": 10}\n");
  auto r = detseq::test::run_detseq("analyze-logs cal-train-time " + one);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("--include-outliers"), std::string::npos) << r.out;
  const std::string bad = write_log("bad.json", "{\"time\": 0.9}\nnot json\n");
  r = detseq::test::run_detseq("analyze-logs cal-train-time " + bad);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("bad.json:2: not a JSON object"), std::string::npos) << r.out;
  r = detseq::test::run_detseq("analyze-logs cal-train-time /nonexistent/scalars.json");
  EXPECT_NE(r.code, 0);
}

TEST(GetFlops, CountsAStagedDetectorAndRejectsBadShapes) {
  const std::string config = std::string(DETSEQ_SOURCE_DIR) + "/configs/detr/detr_r18_tiny8_cpu.yaml";
  const auto r = detseq::test::run_detseq("get-flops " + config + " --shape 64 96");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Input shape: (64, 96)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Params: 11.4M"), std::string::npos) << r.out;
  for (const char* row : {"backbone ", "neck ", "head ", "aten::convolution", "aten::bmm"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  const auto bad = detseq::test::run_detseq("get-flops " + config + " --shape 0 5");
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("outside 1..16384"), std::string::npos) << bad.out;
}

}  // namespace
