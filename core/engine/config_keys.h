// Nothing in a config is silently ignored: the top-level keys detseq reads, the check of the
// others, and mmdetection keys that detseq accepts only in the form it implements (`visualizer`).
#pragma once
#include <string>
#include <vector>

#include "core/config/config.h"

namespace detseq {

// mmengine's top-level keys that detseq reads (runner, tools, checkpoint loading).
const std::vector<std::string>& known_top_level_keys();

// Top-level keys that nothing reads and no `${}` refers to. One within two edits of a known key
// (`train_cgf`, `trian_cfg`) is a ConfigError with a suggestion; the others are returned and
// logged as one warning.
std::vector<std::string> check_top_level_keys(const Config& config);

// `visualizer: {type: DetLocalVisualizer, vis_backends: [{type: LocalVisBackend}, {type:
// TensorboardVisBackend}], name}` (core/engine/visualizer.h): an unknown type or option is an error.
void check_visualizer(const ConfigNode& root);

// The config-only checks above plus `auto_scale_lr`'s keys; run by the runner and print-config.
// Returns the ignored top-level keys (already warned about).
std::vector<std::string> check_runner_config(const Config& config);

}  // namespace detseq
