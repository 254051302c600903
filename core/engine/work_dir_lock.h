// One training per work dir: two runs in one folder would interleave their logs and overwrite
// each other's checkpoints. The lock is an flock on <work_dir>/.train.lock, so the kernel
// releases it when the process dies (kill -9, OOM): no stale lock to remove by hand.
#pragma once
#include <optional>
#include <string>

namespace detseq {

class WorkDirLock {
 public:
  // Takes the lock or throws detseq::Error naming the work dir and the holder's pid.
  explicit WorkDirLock(const std::string& work_dir);
  ~WorkDirLock();
  WorkDirLock(const WorkDirLock&) = delete;
  WorkDirLock& operator=(const WorkDirLock&) = delete;

  // The pid of the process training in `work_dir` now, if any (does not take the lock).
  static std::optional<long> holder(const std::string& work_dir);

 private:
  int fd_ = -1;
};

}  // namespace detseq
