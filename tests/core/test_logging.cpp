// Logging and progress output.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/logging/logging.h"
#include "core/logging/progress_bar.h"
#include "core/util/error.h"

namespace detseq {
namespace {

TEST(Logging, FileSinkAppendsAndKeepsEarlierLines) {
  const auto dir = std::filesystem::temp_directory_path() / "detseq_logging_test";
  std::filesystem::remove_all(dir);
  const std::string file = (dir / "run.log").string();
  {
    std::filesystem::create_directories(dir);
    std::ofstream earlier(file);
    earlier << "line from an earlier run\n";
  }
  setup_logging("info", file);
  DETSEQ_INFO("hello {}", 42);
  logger()->flush();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("line from an earlier run"), std::string::npos);
  EXPECT_NE(text.str().find("hello 42"), std::string::npos);
  EXPECT_THROW(setup_logging("loud"), Error);
}

TEST(ProgressBar, PlainLinesWhenNotATerminal) {
  // stderr is a pipe/file under ctest: the bar prints whole lines every 10 %.
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("train", 20);
    for (int i = 0; i < 20; ++i) bar.update(1, "loss 0.5");
  }
  const std::string out = testing::internal::GetCapturedStderr();
  if (isatty(fileno(stderr))) GTEST_SKIP() << "stderr is a terminal";
  EXPECT_NE(out.find("train [#########################] 20/20"), std::string::npos) << out;
  EXPECT_NE(out.find("loss 0.5"), std::string::npos);
  EXPECT_NE(out.find("eta"), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(ProgressBar, FormatsDurations) {
  EXPECT_EQ(format_duration(5), "5s");
  EXPECT_EQ(format_duration(65), "1m05s");
  EXPECT_EQ(format_duration(3723), "1h02m03s");
}

}  // namespace
}  // namespace detseq
