#include <filesystem>
#include <unordered_map>

#include "core/config/config.h"
#include "core/config/custom_imports.h"
#include "core/config/yaml_io.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;

namespace detseq {
namespace {

constexpr const char* kBaseKey = "_base_";
constexpr const char* kDeleteKey = "_delete_";

bool wants_delete(const ConfigNode& node) {
  const ConfigNode* flag = node.find(kDeleteKey);
  return flag && flag->as<bool>("_delete_");
}

// Removes `_delete_` markers left in a subtree that had nothing to replace.
void strip_delete_markers(ConfigNode& node) {
  if (node.is_map()) {
    node.erase(kDeleteKey);
    for (auto& item : node.items()) strip_delete_markers(item.second);
  } else if (node.is_sequence()) {
    for (auto& child : node.elements()) strip_delete_markers(child);
  }
}

std::vector<std::string> base_paths(const ConfigNode& bases, const std::string& including_file) {
  std::vector<std::string> names;
  if (bases.is_scalar()) {
    names.push_back(bases.as<std::string>("_base_"));
  } else if (bases.is_sequence()) {
    names = bases.as<std::vector<std::string>>("_base_");
  } else {
    throw ConfigError(describe_location("_base_", bases) + ": expected a path or a list of paths");
  }
  std::vector<std::string> paths;
  const fs::path dir = fs::path(including_file).parent_path();
  for (const auto& name : names) {
    fs::path p = fs::path(name).is_absolute() ? fs::path(name) : dir / name;
    if (!fs::exists(p)) {
      throw ConfigError(describe_location("_base_", bases) + ": base config '" + name + "' not found (looked for " +
                        p.lexically_normal().string() + ")");
    }
    if (fs::is_directory(p)) {
      throw ConfigError(describe_location("_base_", bases) + ": base config '" + name + "' is a directory (" +
                        p.lexically_normal().string() + "), expected a YAML file");
    }
    paths.push_back(p.lexically_normal().string());
  }
  return paths;
}

ConfigNode load_recursive(const std::string& path, std::vector<std::string>& stack) {
  const std::string canonical = fs::weakly_canonical(path).string();
  for (const auto& open : stack) {
    if (open == canonical) {
      throw ConfigError(path + ": _base_ cycle: " + join(stack, " -> ") + " -> " + canonical);
    }
  }
  stack.push_back(canonical);
  ConfigNode node = parse_yaml_file(path);
  if (node.is_null()) node = ConfigNode::map(SourceLoc(path, 1));
  if (!node.is_map()) throw ConfigError(path + ": a config file must be a map of keys at the top level");

  ConfigNode merged = ConfigNode::map(node.loc());
  if (const ConfigNode* bases = node.find(kBaseKey)) {
    std::unordered_map<std::string, std::string> owners;  // top-level key -> base file
    for (const auto& base_path : base_paths(*bases, path)) {
      ConfigNode base = load_recursive(base_path, stack);
      for (auto& item : base.items()) {
        const auto [owner, fresh] = owners.emplace(item.first, base_path);
        if (!fresh) {
          throw ConfigError(path + ": key '" + item.first + "' is defined in two sibling bases (" + owner->second +
                            " and " + base_path + "); a key may come from one base only");
        }
        merged.items().push_back(std::move(item));
      }
    }
    node.erase(kBaseKey);
  }
  merge_into(merged, node);
  stack.pop_back();
  return merged;
}

}  // namespace

void merge_into(ConfigNode& base, const ConfigNode& child) {
  if (!base.is_map() || !child.is_map() || wants_delete(child)) {
    base = child;
    strip_delete_markers(base);
    return;
  }
  // Positions of base's keys: one lookup per child key keeps merging linear in big maps.
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < base.items().size(); ++i) position.emplace(base.items()[i].first, i);
  for (const auto& item : child.items()) {
    if (item.first == kDeleteKey) continue;
    if (auto it = position.find(item.first); it != position.end()) {
      merge_into(base.items()[it->second].second, item.second);
    } else {
      ConfigNode value = item.second;
      strip_delete_markers(value);
      position.emplace(item.first, base.items().size());
      base.items().emplace_back(item.first, std::move(value));
    }
  }
}

ConfigNode load_with_bases(const std::string& path) {
  std::vector<std::string> stack;
  return load_recursive(path, stack);
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config config;
  config.filename = path;
  config.root = load_with_bases(path);
  for (const auto& assignment : overrides) apply_override(config.root, assignment);
  config.referenced_keys = resolve_references(config.root);
  // As mmengine's Config.fromfile: plugins register their components before anything is built.
  load_custom_imports(config.root);
  return config;
}

}  // namespace detseq
