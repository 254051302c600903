#include "pipelines/compose.h"

#include "core/util/error.h"

namespace detseq {

Compose::Compose(const std::vector<ComponentCfg>& items) {
  for (const auto& item : items) {
    if (!item.node.is_map()) {
      throw ConfigError(describe_location(item.path, item.node) + ": expected a transform map {type: ...}, got a " +
                        ConfigNode::kind_name(item.node.kind()));
    }
    transforms_.push_back(build<Transform>(item));
  }
}

Compose Compose::from_node(const ConfigNode& node, const std::string& path) {
  std::vector<ComponentCfg> items;
  if (node.is_sequence()) {
    for (size_t i = 0; i < node.size(); ++i) items.push_back({node[i], path + "." + std::to_string(i)});
  } else {
    items.push_back({node, path});
  }
  return Compose(items);
}

bool Compose::apply(Sample& sample, Rng& rng) const {
  for (size_t i = 0; i < transforms_.size(); ++i) {
    if (!transforms_[i]->apply(sample, rng)) return false;
    // Steps after TestTimeAug would change view 0 only; they belong inside its last stage.
    if (!sample.views.empty() && i + 1 < transforms_.size()) {
      throw Error(sample.meta.file_path + ": pipeline step " + std::to_string(i) +
                  " made test-time views but is not the last step; move the " +
                  std::to_string(transforms_.size() - i - 1) + " later step(s) into its last stage");
    }
  }
  return true;
}

}  // namespace detseq
