// Test helper: PyTorch reference files made by fixtures/make_reference.py with /usr/bin/python3.
// Files are generated once per script version into the temp directory and shared by every test
// process (ctest runs each test in its own process).
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

#include "core/io/checkpoint.h"
#include "core/io/state_dict.h"

namespace detseq::test {
namespace fs = std::filesystem;

// Path of the folder holding the `what` files (layers | detr | resnet50) that `script` (relative to
// the source tree) writes; "" if python+torch are unavailable (the caller skips).
inline std::string reference_dir(const std::string& what,
                                 const std::string& script_path = "tests/models/fixtures/make_reference.py") {
  const std::string script = std::string(DETSEQ_SOURCE_DIR) + "/" + script_path;
  std::ifstream in(script);
  std::stringstream text;
  text << in.rdbuf();
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
  const std::string cmd = "/usr/bin/python3 " + script + " " + tmp.string() + " " + what;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("reference generation failed: " + cmd);
  std::ofstream(tmp / "done") << "ok\n";
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp);  // another process won the race; its files are identical
  return dir.string();
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
