// Write faults during a save (disk full, file size limit): one error line with the path and the
// errno, no temp file left behind, the previous file intact. RLIMIT_FSIZE stands in for a full
// disk without root: with SIGXFSZ ignored, write() fails with EFBIG past the limit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "tests/io/io_test_util.h"

namespace fs = std::filesystem;

namespace detseq::io {
namespace {

using test::TempDir;

// Caps the size of files this process writes, for one scope.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit capped = saved_;
    capped.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &capped), 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  sighandler_t old_handler_;
};

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

Value big_checkpoint(float fill) {
  return Value::dict().set("state_dict", Value::dict().set("w", torch::full({256, 1024}, fill)));  // 1 MiB
}

TEST(WriteFaults, CheckpointPastTheFileSizeLimitIsOneLineAndKeepsThePrevious) {
  TempDir tmp("efbig");
  const std::string path = tmp.file("epoch_1.pth");
  write_checkpoint(path, big_checkpoint(1.0f));
  const std::string before = slurp(path);
  std::string message;
  {
    FileSizeLimit limit(200 * 1024);
    try {
      write_checkpoint(path, big_checkpoint(2.0f));
    } catch (const Error& e) {
      message = e.what();
    }
  }
  ASSERT_FALSE(message.empty()) << "expected an error";
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("errno " + std::to_string(EFBIG)), std::string::npos) << message;
  EXPECT_EQ(entries(tmp.path().string()), std::vector<std::string>{"epoch_1.pth"});  // no temp file left
  EXPECT_EQ(slurp(path), before);
  EXPECT_EQ(read_checkpoint(path).at("state_dict").at("w").as_tensor()[0][0].item<float>(), 1.0f);
}

TEST(WriteFaults, SmallFileWriteErrorNamesPathAndErrno) {
  TempDir tmp("efbig_small");
  const std::string path = tmp.file("last_checkpoint");
  write_file_atomic(path, "old\n");
  try {
    FileSizeLimit limit(4);
    write_file_atomic(path, std::string(100, 'x'));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("errno " + std::to_string(EFBIG)), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path), "old\n");
  EXPECT_EQ(entries(tmp.path().string()), std::vector<std::string>{"last_checkpoint"});
}

TEST(WriteFaults, StaleTempFilesOfDeadWritersAreRemoved) {
  TempDir tmp("stale");
  const fs::path dir = tmp.path();
  int pid = 0;
  EXPECT_TRUE(is_atomic_temp_name(".epoch_3.pth.tmp.1234.0", &pid));
  EXPECT_EQ(pid, 1234);
  for (const char* not_temp : {"epoch_3.pth", ".epoch_3.pth.tmp", ".x.tmp.12", ".x.tmp.a.0", "x.tmp.1.0"})
    EXPECT_FALSE(is_atomic_temp_name(not_temp)) << not_temp;
  // A pid that cannot be running (above pid_max's hard ceiling of 2^22), and this process.
  const std::string dead = ".epoch_3.pth.tmp.99999999.0";
  const std::string mine = ".epoch_4.pth.tmp." + std::to_string(::getpid()) + ".7";
  for (const auto& name : {dead, mine, std::string("epoch_2.pth")}) std::ofstream(dir / name) << "x";
  const auto removed = remove_stale_temp_files(dir.string());
  EXPECT_EQ(removed, std::vector<std::string>{(dir / dead).string()});
  EXPECT_EQ(entries(dir.string()), (std::vector<std::string>{mine, "epoch_2.pth"}));
}

}  // namespace
}  // namespace detseq::io
