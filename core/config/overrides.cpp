// `--cfg-options model.backbone.depth=101 train_dataloader.dataset.pipeline.2.scale=[640,640]`
#include "core/config/config.h"
#include "core/config/yaml_io.h"
#include "core/util/strings.h"

namespace detseq {
namespace {

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

void apply_override(ConfigNode& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError("--cfg-options '" + assignment + "': expected key.path=value");
  }
  const std::string key = trim(assignment.substr(0, eq));
  const std::string text = assignment.substr(eq + 1);
  const std::string source = "<cfg-options " + key + ">";
  ConfigNode value = parse_yaml_string(text, source);
  value.set_loc_recursive(SourceLoc(source, 0));

  ConfigNode* node = &root;
  std::string walked;
  const auto parts = split(key, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (part.empty()) throw ConfigError("--cfg-options '" + assignment + "': empty component in key path");
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
        throw ConfigError("--cfg-options " + key + ": '" + walked + "' is a " + ConfigNode::kind_name(node->kind()) +
                          ", not a map");
      }
      if (node->is_null()) *node = ConfigNode::map(SourceLoc(source, 0));
      node = &(*node)[part];
    }
    walked += (walked.empty() ? "" : ".") + part;
    if (last) {
      // A map value merges into an existing map, as mmengine's merge_from_dict does.
      if (node->is_map() && value.is_map()) {
        merge_into(*node, value);
      } else {
        *node = value;
      }
    }
  }
}

}  // namespace detseq
