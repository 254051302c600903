#include "tools/commands/json_log.h"

#include <fstream>

#include "core/util/error.h"

namespace detseq::cli {

std::vector<nlohmann::json> read_json_log(const std::string& path) {
  std::ifstream f(path);
  if (!f)
    throw Error("cannot read log '" + path +
                "' (expected a JSON-lines file such as <work_dir>/<time>/vis_data/scalars.json)");
  std::vector<nlohmann::json> lines;
  std::string text;
  int64_t n = 0;
  while (std::getline(f, text)) {
    ++n;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw Error(path + ":" + std::to_string(n) + ": not a JSON object (one object per line expected)");
    lines.push_back(std::move(j));
  }
  return lines;
}

bool is_train_record(const nlohmann::json& line) {
  if (!line.contains("time") || !line["time"].is_number()) return false;
  for (auto it = line.begin(); it != line.end(); ++it)
    if (it.key().find('/') != std::string::npos) return false;
  return true;
}

}  // namespace detseq::cli
