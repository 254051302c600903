// Shared helpers for tests/io: temp dirs, the Python reference (/usr/bin/python3 with torch) and
// the fixture files it writes.
#pragma once
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace detseq::io::test {

inline const char* kPython = "/usr/bin/python3";

inline std::string committed_fixtures() { return std::string(DETSEQ_SOURCE_DIR) + "/tests/io/fixtures"; }

inline bool python_has_torch() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  return ok;
}

// A fresh directory, removed when the object goes.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("detseq_io_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs a Python script from tests/io/fixtures with arguments; true on exit status 0.
inline bool run_python(const std::string& script, const std::string& args) {
  const std::string cmd = std::string(kPython) + " " + committed_fixtures() + "/" + script + " " + args;
  return std::system(cmd.c_str()) == 0;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

// A zip archive with the given records, as torch.save lays them out.
inline std::string make_zip(const std::map<std::string, std::string>& records) {
  std::string out;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* buf, size_t n) {
    out.append(static_cast<const char*>(buf), n);
    return n;
  });
  for (const auto& [name, data] : records) writer.writeRecord(name, data.data(), data.size());
  writer.writeEndOfFile();
  return out;
}

}  // namespace detseq::io::test
