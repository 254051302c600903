#include "core/engine/work_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace detseq {
namespace {

std::string lock_path(const std::string& work_dir) { return (fs::path(work_dir) / ".train.lock").string(); }

long read_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  return n > 0 ? std::strtol(buf, nullptr, 10) : 0;
}

}  // namespace

WorkDirLock::WorkDirLock(const std::string& work_dir) {
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  const std::string path = lock_path(work_dir);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path + ": cannot create the work dir lock: " + std::strerror(errno));
  // A few retries: holder() probes with a brief shared lock that must not refuse a real start.
  for (int attempt = 0; ::flock(fd_, LOCK_EX | LOCK_NB) != 0; ++attempt) {
    if (errno != EWOULDBLOCK || attempt == 10) {
      const int err = errno;
      const long pid = read_pid(fd_);
      ::close(fd_);
      fd_ = -1;
      if (err != EWOULDBLOCK) throw Error(path + ": cannot lock the work dir: " + std::strerror(err));
      throw Error("work dir " + work_dir + " is in use by another training (pid " + std::to_string(pid) +
                  "); wait for it to finish or pass another --work-dir");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The pid only serves the message of a refused run; failing to write it leaves the lock intact.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

WorkDirLock::~WorkDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

std::optional<long> WorkDirLock::holder(const std::string& work_dir) {
  const int fd = ::open(lock_path(work_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<long> pid;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) pid = read_pid(fd);
  ::close(fd);  // also drops the probe's shared lock
  return pid;
}

}  // namespace detseq
