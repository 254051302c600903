// `--cfg-options model.backbone.depth=101 train_dataloader.dataset.pipeline.2.scale=[640,640]`
//
// A path that runs through a `${x}` reference (`test_dataloader: ${val_dataloader}`) copies x's
// tree at that point and applies the override to the copy, as mmengine's configs hold copies:
// the other users of x keep the original.
#include "core/config/config.h"
#include "core/config/references.h"
#include "core/util/strings.h"

namespace detseq {
namespace {

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
}

// Replaces a whole-value reference at `node` by a copy of its target; no-op for other nodes.
void copy_on_write(const ConfigNode& root, ConfigNode& node, const std::string& key, const std::string& walked) {
  const auto target = whole_reference(node);
  if (!target) return;
  const ConfigNode* found = nullptr;
  try {
    found = find_through_references(root, *target);
  } catch (const ConfigError& e) {
    throw ConfigError("--cfg-options " + key + ": '" + walked + "' is ${" + *target + "}: " + e.what());
  }
  if (!found) {
    throw ConfigError("--cfg-options " + key + ": '" + walked + "' (" + node.loc().str() + ") is ${" + *target +
                      "}, which points at nothing");
  }
  // The copy's own line says where the reference was and which override made it a copy.
  const SourceLoc origin(node.loc().str() + ", a copy of ${" + *target + "} made by --cfg-options " + key, 0);
  ConfigNode copy = *found;
  copy.set_loc(origin);
  node = std::move(copy);
}

}  // namespace

void apply_override(ConfigNode& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError("--cfg-options '" + assignment + "': expected key.path=value");
  }
  const std::string key = trim(assignment.substr(0, eq));
  const std::string source = "<cfg-options " + key + ">";
  const ConfigNode value = parse_override_value(assignment.substr(eq + 1), source);

  ConfigNode* node = &root;
  std::string walked;
  const auto parts = split(key, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) throw ConfigError("--cfg-options '" + assignment + "': empty component in key path");
    copy_on_write(root, *node, key, walked);
    if (node->is_sequence()) {
      if (!is_index(part)) {
        throw ConfigError("--cfg-options " + key + ": '" + walked + "' is a list; expected an index, got '" + part +
                          "'");
      }
      const size_t index = std::stoul(part);
      if (index >= node->size()) {
        throw ConfigError("--cfg-options " + key + ": index " + part + " is out of range for '" + walked +
                          "' (a list of " + std::to_string(node->size()) + ")");
      }
      node = &(*node)[index];
    } else {
      if (!node->is_map() && !node->is_null()) {
        throw ConfigError("--cfg-options " + key + ": '" + walked + "' (" + node->loc().str() + ") is a " +
                          ConfigNode::kind_name(node->kind()) + ", not a map");
      }
      if (node->is_null()) *node = ConfigNode::map(SourceLoc(source, 0));
      node = &(*node)[part];
    }
    walked += (walked.empty() ? "" : ".") + part;
  }
  // A map value merges into an existing map, as mmengine's merge_from_dict does.
  if (value.is_map()) copy_on_write(root, *node, key, walked);
  if (node->is_map() && value.is_map()) {
    merge_into(*node, value);
  } else {
    *node = value;
  }
}

}  // namespace detseq
