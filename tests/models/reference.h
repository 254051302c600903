// Test helper: PyTorch reference files made by Python scripts (fixtures/make_reference.py here,
// tests/parity/fixtures/make_parity.py) with /usr/bin/python3. Files are generated once per script
// version into the temp directory and shared by every test process (ctest runs each test in its
// own process).
#pragma once
#include <torch/types.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/io/checkpoint.h"
#include "core/io/state_dict.h"

namespace detseq::test {
namespace fs = std::filesystem;

// Path of the folder holding the `what` files that `script` (relative to the source tree) writes
// with `/usr/bin/python3 script OUT_DIR what`; "" if python+torch are unavailable (the caller
// skips). The cache key hashes `script` and the `also_hashed` files it imports.
inline std::string python_reference_dir(const std::string& script, const std::string& what,
                                        const std::vector<std::string>& also_hashed = {}) {
  std::stringstream text;
  text << script << '\n';
  std::vector<std::string> sources{script};
  sources.insert(sources.end(), also_hashed.begin(), also_hashed.end());
  for (const std::string& rel : sources) text << std::ifstream(std::string(DETSEQ_SOURCE_DIR) + "/" + rel).rdbuf();
  const size_t version = std::hash<std::string>{}(text.str());
  // Shared by all test processes (tests/test_main.cpp gives each its own TMPDIR).
  const char* cache = std::getenv("DETSEQ_TEST_CACHE");
  const fs::path base = cache ? fs::path(cache) : fs::temp_directory_path();
  const fs::path dir = base / ("detseq_models_ref_" + std::to_string(version)) / what;
  if (fs::exists(dir / "done")) return dir.string();
  if (std::system("/usr/bin/python3 -c 'import torch, torchvision' >/dev/null 2>&1") != 0) return "";
  // Generate into a private folder, then rename: concurrent test processes never see half a file.
  const fs::path tmp = dir.string() + ".tmp" + std::to_string(::getpid());
  fs::create_directories(tmp);
  const std::string cmd = "/usr/bin/python3 " + std::string(DETSEQ_SOURCE_DIR) + "/" + script + " " + tmp.string() +
                          " " + what;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("reference generation failed: " + cmd);
  std::ofstream(tmp / "done") << "ok\n";
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp);  // another process won the race; its files are identical
  return dir.string();
}

// The `what` files of fixtures/make_reference.py (layers | detr | resnet50 | detr_r50_keys | tiny8).
inline std::string reference_dir(const std::string& what) {
  return python_reference_dir("tests/models/fixtures/make_reference.py", what);
}

inline std::map<std::string, torch::Tensor> load_tensors(const std::string& path) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : io::flatten_tensors(io::read_checkpoint(path))) out[item.key()] = item.value();
  return out;
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) return std::numeric_limits<double>::infinity();
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace detseq::test
