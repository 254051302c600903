// LocalVisBackend (mmengine's): each row of scalars as one JSON line appended to
// <log_dir>/vis_data/scalars.json and to vis_data/<timestamp>.json (mmdet's analyze_logs.py reads
// that one; detseq plot-logs / analyze-logs read either). The files are appended to, never
// truncated. Drawn validation images are files already (DetVisualizationHook writes
// vis_data/vis_image/*.jpg whatever the backends), so this backend takes no images.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/engine/visualizer.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace detseq {
namespace {

struct LocalVisBackendOptions {
  template <class V>
  void visit(V&) {}
};

std::string json_number(double v) {
  if (!std::isfinite(v)) return v > 0 ? "\"Infinity\"" : (v < 0 ? "\"-Infinity\"" : "\"NaN\"");
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.8g", v);
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class LocalVisBackend : public VisBackend {
 public:
  explicit LocalVisBackend(const LocalVisBackendOptions&) {}

  void open(const std::string& save_dir, const std::string& timestamp) override {
    save_dir_ = save_dir;
    paths_ = {(fs::path(save_dir) / "scalars.json").string(), (fs::path(save_dir) / (timestamp + ".json")).string()};
  }

  void add_scalars(const ScalarRow& row, int64_t step) override {
    if (save_dir_.empty()) return;
    std::ostringstream line;
    line << "{";
    bool first = true;
    for (const auto& [k, v] : row) {
      line << (first ? "" : ", ") << json_string(k) << ": "
           << ((k == "epoch" || k == "iter") ? std::to_string(static_cast<int64_t>(v)) : json_number(v));
      first = false;
    }
    line << (first ? "" : ", ") << "\"step\": " << step << "}\n";
    fs::create_directories(save_dir_);
    for (const std::string& path : paths_) {
      std::ofstream out(path, std::ios::app);
      if (!out) throw Error("LocalVisBackend: cannot append to " + path);
      out << line.str();
    }
  }

 private:
  std::string save_dir_;
  std::vector<std::string> paths_;
};

}  // namespace
DETSEQ_REGISTER_AS(VisBackend, LocalVisBackend, LocalVisBackendOptions, "LocalVisBackend",
                   "scalars as JSON lines in vis_data/scalars.json and vis_data/<timestamp>.json");
}  // namespace detseq
