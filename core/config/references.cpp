// `${a.b.c}` references, resolved on the fully merged tree so that a child overriding
// `train_pipeline` changes every place that refers to it. A scalar that is exactly one reference
// takes the referenced node (map, list or scalar); a reference inside a longer string is
// interpolated as text. `${env:NAME,default}` reads the environment.
#include "core/config/references.h"

#include <cstdlib>
#include <set>

#include "core/config/config.h"
#include "core/util/printable.h"
#include "core/util/strings.h"

namespace detseq {
namespace {

size_t count_values(const ConfigNode& node) {
  size_t n = 1;
  for (const auto& child : node.elements()) n += count_values(child);
  for (const auto& item : node.items()) n += count_values(item.second);
  return n;
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

const ConfigNode* child_of(const ConfigNode& node, const std::string& part) {
  if (node.is_sequence()) {
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) return nullptr;
    const size_t index = std::stoul(part);
    return index < node.size() ? &node[index] : nullptr;
  }
  return node.find(part);
}

class Resolver {
 public:
  explicit Resolver(ConfigNode& root) : root_(root) {}

  std::vector<std::string> resolve_all() {
    resolve_subtree(root_, "");
    return {referenced_.begin(), referenced_.end()};
  }

 private:
  ConfigNode& root_;
  std::vector<std::string> stack_;  // paths being resolved, for cycle detection
  std::set<std::string> referenced_;
  size_t expanded_ = 0;  // values created by copying referenced nodes

  void resolve_subtree(ConfigNode& node, const std::string& path) {
    if (node.is_scalar() && node.scalar_value().find("${") != std::string::npos) {
      resolve_scalar(node, path);
    }
    if (node.is_map()) {
      for (auto& item : node.items()) resolve_subtree(item.second, child_path(path, item.first));
    } else if (node.is_sequence()) {
      for (size_t i = 0; i < node.size(); ++i) resolve_subtree(node[i], child_path(path, std::to_string(i)));
    }
  }

  // Resolves the node at `target` in place (it may itself hold references).
  void resolve_in_place(ConfigNode& node, const std::string& target, const ConfigNode& at, const std::string& path) {
    for (const auto& open : stack_) {
      if (open == target) {
        throw ConfigError(describe_location(path, at) + ": reference cycle: " + printable(join(stack_, " -> ") + " -> " + target, 300));
      }
    }
    stack_.push_back(target);
    resolve_subtree(node, target);
    stack_.pop_back();
  }

  [[noreturn]] void dangling(const std::string& target, const std::vector<std::string>& parts, size_t missing,
                             const ConfigNode& at, const std::string& path) {
    const ConfigNode* parent = root_.find_path(join({parts.begin(), parts.begin() + missing}, "."));
    throw ConfigError(describe_location(path, at) + ": reference ${" + printable(target) + "} points at nothing" +
                      did_you_mean(parts[missing], parent ? parent->keys() : std::vector<std::string>{}));
  }

  // Finds the target, resolving it first. Prefixes that are references themselves
  // (`${test_dataloader.dataset}` with `test_dataloader: ${val_dataloader}`) resolve on the way.
  const ConfigNode& lookup(const std::string& target, const ConfigNode& at, const std::string& path) {
    const auto parts = split(target, '.');
    referenced_.insert(parts.front());
    std::string prefix;
    for (size_t i = 0; i < parts.size(); ++i) {
      prefix = child_path(prefix, parts[i]);
      ConfigNode* node = root_.find_path(prefix);
      if (!node) dangling(target, parts, i, at, path);
      const bool last = i + 1 == parts.size();
      if (last || (node->is_scalar() && node->scalar_value().find("${") != std::string::npos)) {
        resolve_in_place(*node, prefix, at, path);
      }
    }
    return *root_.find_path(target);  // re-find: resolution may have replaced the node
  }

  std::string env_value(const std::string& spec, const ConfigNode& at, const std::string& path) {
    const auto comma = spec.find(',');
    const std::string name = trim(spec.substr(0, comma));
    if (const char* value = std::getenv(name.c_str())) return value;
    if (comma != std::string::npos) return trim(spec.substr(comma + 1));
    throw ConfigError(describe_location(path, at) + ": environment variable " + printable(name) +
                      " is not set and ${env:" + name + "} has no default (write ${env:" + name + ",default})");
  }

  // Copies `target` into `node`, refusing references that nest into an exponential tree.
  void take_copy(ConfigNode& node, const ConfigNode& target, const std::string& spec, const std::string& path) {
    expanded_ += count_values(target);
    if (expanded_ > kMaxExpandedValues) {
      throw ConfigError(describe_location(path, node) + ": ${" + printable(spec) + "} (" + std::to_string(count_values(target)) +
                        " values) takes the config past " + std::to_string(kMaxExpandedValues) +
                        " values copied through references; references nest exponentially here "
                        "(a list of several ${x}, where x is a list of several ${y}, ...)");
    }
    node = target;
  }

  void resolve_scalar(ConfigNode& node, const std::string& path) {
    const std::string text = node.scalar_value();
    const SourceLoc loc = node.loc();
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t open = text.find("${", pos);
      if (open == std::string::npos) {
        out += text.substr(pos);
        break;
      }
      const size_t close = text.find('}', open);
      if (close == std::string::npos) {
        throw ConfigError(describe_location(path, node) + ": unterminated reference in '" + printable(text) + "'");
      }
      out += text.substr(pos, open - pos);
      const std::string spec = trim(text.substr(open + 2, close - open - 2));
      if (starts_with(spec, "env:")) {
        const std::string value = env_value(spec.substr(4), node, path);
        if (open == 0 && close + 1 == text.size()) {
          // A whole-value env reference keeps YAML typing (numbers stay numbers).
          node = ConfigNode::scalar(value, loc, false);
          return;
        }
        out += value;
      } else {
        const ConfigNode& target = lookup(spec, node, path);
        if (open == 0 && close + 1 == text.size()) {
          take_copy(node, target, spec, path);  // whole-value reference: take the node itself
          return;
        }
        if (!target.is_scalar()) {
          throw ConfigError(describe_location(path, node) + ": ${" + printable(spec) + "} is a " +
                            ConfigNode::kind_name(target.kind()) + " and cannot be embedded in the string '" + printable(text) +
                            "'");
        }
        out += target.scalar_value();
      }
      pos = close + 1;
      if (out.size() > (1u << 20)) {
        throw ConfigError(describe_location(path, node) + ": interpolated string grows past 1 MiB");
      }
    }
    node = ConfigNode::scalar(out, loc, true);
  }
};

// Walks `parts` from `root`, jumping through whole-value references; `chain` guards cycles.
const ConfigNode* walk(const ConfigNode& root, const std::vector<std::string>& parts,
                       std::vector<std::string>& chain);

const ConfigNode* follow(const ConfigNode& root, const ConfigNode* node, std::vector<std::string>& chain) {
  const size_t depth = chain.size();
  while (node) {
    const auto target = whole_reference(*node);
    if (!target) break;
    for (const auto& seen : chain) {
      if (seen == *target) throw ConfigError("reference cycle: ${" + printable(join(chain, "} -> ${") + "} -> ${" + *target, 300) + "}");
    }
    chain.push_back(*target);
    node = walk(root, split(*target, '.'), chain);
  }
  chain.resize(depth);
  return node;
}

const ConfigNode* walk(const ConfigNode& root, const std::vector<std::string>& parts,
                       std::vector<std::string>& chain) {
  const ConfigNode* node = &root;
  for (const auto& part : parts) {
    node = follow(root, node, chain);
    if (!node) return nullptr;
    node = child_of(*node, part);
    if (!node) return nullptr;
  }
  return follow(root, node, chain);
}

}  // namespace

std::optional<std::string> whole_reference(const ConfigNode& node) {
  if (!node.is_scalar()) return std::nullopt;
  const std::string& text = node.scalar_value();
  if (!starts_with(text, "${") || text.back() != '}' || text.find('}') != text.size() - 1) return std::nullopt;
  const std::string spec = trim(text.substr(2, text.size() - 3));
  if (spec.empty() || starts_with(spec, "env:")) return std::nullopt;
  return spec;
}

const ConfigNode* find_through_references(const ConfigNode& root, const std::string& dotted) {
  std::vector<std::string> chain;
  return walk(root, dotted.empty() ? std::vector<std::string>{} : split(dotted, '.'), chain);
}

std::vector<std::string> resolve_references(ConfigNode& root) { return Resolver(root).resolve_all(); }

}  // namespace detseq
