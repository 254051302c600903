// `${...}` syntax shared by the resolver and by overrides (internal to core/config).
#pragma once
#include <optional>
#include <string>

#include "core/config/config_node.h"

namespace detseq {

// "a.b" when `node` is a scalar that is exactly one `${a.b}` (not `${env:...}`), else nullopt.
std::optional<std::string> whole_reference(const ConfigNode& node);

// The node at `dotted`, following the whole-value references met on the way and at the end
// (`test_dataloader.dataset` through `test_dataloader: ${val_dataloader}`), unresolved;
// nullptr when the path leads nowhere. Throws ConfigError on a reference cycle.
const ConfigNode* find_through_references(const ConfigNode& root, const std::string& dotted);

}  // namespace detseq
