// `custom_imports` (mmengine's key): shared libraries that register components, loaded when the
// config is loaded, so a plugin's backbone, head, hook, ... can be named by `type:` like a built-in
// one. A plugin is a library linked against detseq (find_package(detseq), docs/adding_a_component.md)
// whose DETSEQ_REGISTER lines run as it loads.
//   custom_imports:
//     imports: [build/libmy_backbone.so]   # relative: to the config file that names it
//     allow_failed_imports: false          # true: a library that fails to load is logged and skipped
#pragma once
#include <string>
#include <vector>

#include "core/config/config_node.h"

namespace detseq {

// Loads every library `root.custom_imports.imports` names (each once per process); returns their
// resolved paths. An import that cannot be loaded is a ConfigError naming the key, file:line and
// the loader's message, unless allow_failed_imports is true.
std::vector<std::string> load_custom_imports(const ConfigNode& root);

}  // namespace detseq
