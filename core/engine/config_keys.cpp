#include "core/engine/config_keys.h"

#include <algorithm>

#include "core/engine/auto_scale_lr.h"
#include "core/engine/visualizer.h"
#include "core/logging/logging.h"
#include "core/registry/options.h"
#include "core/util/strings.h"

namespace detseq {

const std::vector<std::string>& known_top_level_keys() {
  static const std::vector<std::string> keys{
      "model",          "train_dataloader", "val_dataloader", "test_dataloader", "val_evaluator",
      "test_evaluator", "optim_wrapper",    "param_scheduler", "train_cfg",      "val_cfg",
      "test_cfg",       "default_hooks",    "custom_hooks",   "env_cfg",         "load_from",
      "resume",         "work_dir",         "auto_scale_lr",  "visualizer",      "checkpoint_mapping",
      "tta_model",      "tta_pipeline",     "custom_imports"};
  return keys;
}

std::vector<std::string> check_top_level_keys(const Config& config) {
  const auto& known = known_top_level_keys();
  std::vector<std::string> ignored;
  for (const auto& [key, node] : config.root.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (std::find(config.referenced_keys.begin(), config.referenced_keys.end(), key) != config.referenced_keys.end())
      continue;
    // A near miss is a typo (the run would silently use defaults); distance 2 covers a swap.
    std::string closest;
    size_t best = 3;
    for (const auto& candidate : known) {
      const size_t d = edit_distance(key, candidate);
      if (d < best) {
        best = d;
        closest = candidate;
      }
    }
    if (!closest.empty() && key.size() > 3) {
      throw ConfigError(describe_location(key, node) + ": unknown top-level key '" + key + "' — did you mean '" +
                        closest + "'? (detseq would ignore it)");
    }
    ignored.push_back(key);
  }
  if (!ignored.empty()) {
    DETSEQ_WARN("{}: top-level keys that detseq does not read and no ${{}} refers to (ignored): {}", config.filename,
                join(ignored, ", "));
  }
  return ignored;
}

void check_visualizer(const ConfigNode& root) {
  // Building checks everything (types through the registry, each backend's options) and opens no file.
  build_visualizer(root);
}

std::vector<std::string> check_runner_config(const Config& config) {
  check_visualizer(config.root);
  read_auto_scale_lr(config.root);
  return check_top_level_keys(config);
}

}  // namespace detseq
