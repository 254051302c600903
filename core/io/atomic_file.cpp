#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <streambuf>
#include <vector>

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

std::string errno_text(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

// A buffered stream over a POSIX descriptor that remembers the errno of the first failed write
// (std::ofstream loses it), and after a failure swallows further output: a producer that keeps
// writing (e.g. the zip writer finishing its archive in a destructor) must not throw again.
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const char* p = pbase();
    size_t left = static_cast<size_t>(pptr() - pbase());
    while (left > 0 && error_ == 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : ENOSPC;
        break;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    setp(buf_.data(), buf_.data() + buf_.size());
    return error_ == 0;
  }

  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

// The descriptor of the temp file, closed on every path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& produce) {
  fs::path target(path);
  if (target.filename().empty()) throw Error(path + ": not a file name");
  if (target.parent_path().empty()) target = fs::path(".") / target;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error(path + ": cannot create directory " + target.parent_path().string() + ": " + ec.message());

  const fs::path tmp = temp_name(target);
  const std::string kept = fs::exists(target, ec) ? "; the previous file is kept" : "; nothing was written";
  try {
    Fd file;
    file.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file.fd < 0) throw Error(path + ": cannot create " + tmp.string() + ": " + errno_text(errno));
    FdStreamBuf buf(file.fd);
    std::ostream os(&buf);
    produce(os);
    os.flush();
    if (buf.error() != 0) throw Error(path + ": writing failed: " + errno_text(buf.error()) + kept);
    if (!os) throw Error(path + ": writing failed" + kept);
    if (::fsync(file.fd) != 0) throw Error(path + ": fsync failed: " + errno_text(errno) + kept);
    const int fd = file.fd;
    file.fd = -1;
    if (::close(fd) != 0) throw Error(path + ": close failed: " + errno_text(errno) + kept);
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

bool is_atomic_temp_name(const std::string& name, int* writer_pid) {
  // .<target>.tmp.<pid>.<n>
  if (name.size() < 2 || name[0] != '.') return false;
  const size_t tag = name.rfind(".tmp.");
  if (tag == std::string::npos || tag == 0) return false;
  const std::string rest = name.substr(tag + 5);
  const size_t dot = rest.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= rest.size()) return false;
  const std::string pid = rest.substr(0, dot), n = rest.substr(dot + 1);
  const auto digits = [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; };
  if (!digits(pid) || !digits(n) || pid.size() > 9) return false;
  if (writer_pid) *writer_pid = std::stoi(pid);
  return true;
}

std::vector<std::string> remove_stale_temp_files(const std::string& dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    int pid = 0;
    if (!it->is_regular_file(ec) || !is_atomic_temp_name(it->path().filename().string(), &pid)) continue;
    // A live writer (this process, or another one still saving) keeps its file.
    if (pid == ::getpid() || (::kill(pid, 0) == 0 || errno == EPERM)) continue;
    std::error_code rm;
    if (fs::remove(it->path(), rm)) removed.push_back(it->path().string());
  }
  return removed;
}

}  // namespace detseq::io
