#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace detseq::io {
namespace {

// fsync through a fresh descriptor: flushes the file (or directory entry) whoever wrote it.
bool sync_path(const fs::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

fs::path temp_name(const fs::path& target) {
  static std::atomic<uint64_t> counter{0};
  return target.parent_path() / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                                 std::to_string(counter++));
}

}  // namespace

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& produce) {
  fs::path target(path);
  if (target.filename().empty()) throw Error(path + ": not a file name");
  if (target.parent_path().empty()) target = fs::path(".") / target;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error(path + ": cannot create directory " + target.parent_path().string() + ": " + ec.message());

  const fs::path tmp = temp_name(target);
  try {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    if (!os) throw Error(path + ": cannot create " + tmp.string() + ": " + std::strerror(errno));
    produce(os);
    os.flush();
    if (!os) throw Error(path + ": writing " + tmp.string() + " failed (disk full?)");
    os.close();
    if (!sync_path(tmp, O_RDONLY)) throw Error(path + ": fsync of " + tmp.string() + " failed: " + std::strerror(errno));
    fs::rename(tmp, target, ec);
    if (ec) throw Error(path + ": cannot rename " + tmp.string() + " over it: " + ec.message());
  } catch (...) {
    fs::remove(tmp, ec);  // the previous file at `path` is untouched
    throw;
  }
  // Persist the rename itself; failure here leaves a correct file, so it is not an error.
  sync_path(target.parent_path(), O_RDONLY | O_DIRECTORY);
}

void write_file_atomic(const std::string& path, const std::string& data) {
  write_file_atomic(path, [&](std::ostream& os) { os.write(data.data(), static_cast<std::streamsize>(data.size())); });
}

}  // namespace detseq::io
