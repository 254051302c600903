#include "core/engine/config_keys.h"

#include <algorithm>

#include "core/engine/auto_scale_lr.h"
#include "core/logging/logging.h"
#include "core/registry/options.h"
#include "core/util/strings.h"

namespace detseq {
namespace {

// The backends of mmengine's visualizer that detseq does not implement (yet).
const std::vector<std::string>& unsupported_vis_backends() {
  static const std::vector<std::string> names{"TensorboardVisBackend", "WandbVisBackend", "MLflowVisBackend",
                                              "ClearMLVisBackend",     "NeptuneVisBackend", "DVCLiveVisBackend",
                                              "AimVisBackend"};
  return names;
}

struct VisualizerOptions {
  std::string type = "DetLocalVisualizer";
  ConfigNode vis_backends;
  std::string name = "visualizer";
  template <class V>
  void visit(V& v) {
    v("type", type, "DetLocalVisualizer (mmdet) or Visualizer (mmengine)");
    v("vis_backends", vis_backends, "[{type: LocalVisBackend}]: scalars in <log dir>/vis_data/scalars.json");
    v("name", name, "accepted for mmengine configs");
  }
};

struct VisBackendOptions {
  std::string type;
  template <class V>
  void visit(V& v) {
    v.required("type", type, "LocalVisBackend (the only backend detseq has)");
  }
};

}  // namespace

const std::vector<std::string>& known_top_level_keys() {
  static const std::vector<std::string> keys{
      "model",          "train_dataloader", "val_dataloader", "test_dataloader", "val_evaluator",
      "test_evaluator", "optim_wrapper",    "param_scheduler", "train_cfg",      "val_cfg",
      "test_cfg",       "default_hooks",    "custom_hooks",   "env_cfg",         "load_from",
      "resume",         "work_dir",         "auto_scale_lr",  "visualizer",      "checkpoint_mapping"};
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
  const ConfigNode* node = root.find("visualizer");
  if (!node || node->is_null()) return;
  const auto o = read_options<VisualizerOptions>(*node, "visualizer", "visualizer");
  if (o.type != "DetLocalVisualizer" && o.type != "Visualizer") {
    throw ConfigError(describe_location("visualizer.type", node->at("type")) + ": unknown visualizer '" + o.type +
                      "'" + did_you_mean(o.type, {"DetLocalVisualizer", "Visualizer"}) +
                      " (detseq has DetLocalVisualizer with LocalVisBackend)");
  }
  if (o.vis_backends.is_null()) return;
  if (!o.vis_backends.is_sequence()) {
    throw ConfigError(describe_location("visualizer.vis_backends", o.vis_backends) +
                      ": expected a list of backends [{type: LocalVisBackend}]");
  }
  for (size_t i = 0; i < o.vis_backends.size(); ++i) {
    const std::string path = "visualizer.vis_backends." + std::to_string(i);
    const ConfigNode& backend = o.vis_backends[i];
    const ConfigNode* type = backend.find("type");
    const std::string name = type && type->is_scalar() ? type->scalar_value() : "";
    const auto& unsupported = unsupported_vis_backends();
    if (std::find(unsupported.begin(), unsupported.end(), name) != unsupported.end()) {
      throw ConfigError(describe_location(path, backend) + ": " + name +
                        " is not supported yet (issue #16); detseq has LocalVisBackend only (scalars in "
                        "<log dir>/vis_data/scalars.json)");
    }
    const auto b = read_options<VisBackendOptions>(backend, path, "LocalVisBackend");
    if (b.type != "LocalVisBackend") {
      throw ConfigError(describe_location(path + ".type", backend.at("type")) + ": unknown vis backend '" + b.type +
                        "'" + did_you_mean(b.type, {"LocalVisBackend"}) + " (detseq has LocalVisBackend only)");
    }
  }
}

std::vector<std::string> check_runner_config(const Config& config) {
  check_visualizer(config.root);
  read_auto_scale_lr(config.root);
  return check_top_level_keys(config);
}

}  // namespace detseq
