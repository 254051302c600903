// The hooks a config asks for: mmengine's default hooks (overridden or removed by name through
// `default_hooks`) plus `custom_hooks`, stably sorted by priority. Used by the runner, and by
// print-config to check hook types and keys without running anything.
#pragma once
#include <memory>
#include <vector>

#include "core/config/config_node.h"
#include "core/engine/hook.h"

namespace detseq {

std::vector<std::shared_ptr<Hook>> build_configured_hooks(const ConfigNode& root);

}  // namespace detseq
