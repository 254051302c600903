// Logging and progress output.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

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
  EXPECT_EQ(out.find("20/20"), out.rfind("20/20")) << "the final line is printed once:\n" << out;
}

TEST(ProgressBar, OnATerminalLogLinesClearAndRedrawTheBar) {
  // stderr on a pseudo-terminal: a log line in the middle of a bar must start on a cleared line
  // and the bar must come back after it, never "...loss 0.52026/12/01 ... info ...".
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  std::fflush(stderr);
  const int saved = dup(fileno(stderr));
  dup2(slave, fileno(stderr));
  {
    ProgressBar bar("train", 4);
    bar.update(1, "loss 0.5");
    DETSEQ_INFO("a log line");
    bar.update(3, "loss 0.4");
  }
  std::fflush(stderr);
  dup2(saved, fileno(stderr));
  close(saved);
  close(slave);
  std::string out;
  char buf[4096];
  fcntl(master, F_SETFL, O_NONBLOCK);
  for (ssize_t n; (n = read(master, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  close(master);
  const size_t log = out.find("a log line");
  ASSERT_NE(log, std::string::npos) << out;
  const size_t line_start = out.rfind('\n', log) == std::string::npos ? 0 : out.rfind('\n', log);
  const size_t clear = out.rfind("\r\033[K", log);
  ASSERT_NE(clear, std::string::npos) << out;
  EXPECT_GT(clear, out.find("loss 0.5")) << "the bar is cleared before the log line";
  EXPECT_TRUE(clear >= line_start) << out;
  EXPECT_NE(out.find("loss 0.5", log), std::string::npos) << "the bar is redrawn after the log line";
  EXPECT_NE(out.find("4/4", log), std::string::npos) << out;
}

TEST(ProgressBar, FormatsDurations) {
  EXPECT_EQ(format_duration(5), "5s");
  EXPECT_EQ(format_duration(65), "1m05s");
  EXPECT_EQ(format_duration(3723), "1h02m03s");
}

}  // namespace
}  // namespace detseq
