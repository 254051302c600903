// The JSON-lines scalar logs LoggerHook writes (<work_dir>/<time>/vis_data/scalars.json, one
// object per line, as mmengine's LocalVisBackend), read by plot-logs and analyze-logs.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace detseq::cli {

// Every line as a JSON object; blank lines skipped; anything else is an error naming file:line.
std::vector<nlohmann::json> read_json_log(const std::string& path);

// A training record: has `time` and no metric key (metric keys contain '/', e.g. coco/bbox_mAP).
bool is_train_record(const nlohmann::json& line);

}  // namespace detseq::cli
