// `${a.b.c}` references, resolved on the fully merged tree so that a child overriding
// `train_pipeline` changes every place that refers to it. A scalar that is exactly one reference
// takes the referenced node (map, list or scalar); a reference inside a longer string is
// interpolated as text. `${env:NAME,default}` reads the environment.
#include <cstdlib>

#include "core/config/config.h"
#include "core/util/strings.h"

namespace detseq {
namespace {

class Resolver {
 public:
  explicit Resolver(ConfigNode& root) : root_(root) {}

  void resolve_all() { resolve_subtree(root_, ""); }

 private:
  ConfigNode& root_;
  std::vector<std::string> stack_;  // paths being resolved, for cycle detection

  static std::string child_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }

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

  // Finds the target, resolving it first (it may itself hold references).
  const ConfigNode& lookup(const std::string& target, const ConfigNode& at, const std::string& path) {
    for (const auto& open : stack_) {
      if (open == target) {
        throw ConfigError(describe_location(path, at) + ": reference cycle: " + join(stack_, " -> ") + " -> " + target);
      }
    }
    ConfigNode* node = root_.find_path(target);
    if (!node) {
      // Suggest the closest key at the deepest level that exists.
      const auto parts = split(target, '.');
      std::string prefix;
      const ConfigNode* parent = &root_;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        const ConfigNode* next = parent->find_path(parts[i]);
        if (!next) break;
        parent = next;
        prefix = child_path(prefix, parts[i]);
      }
      throw ConfigError(describe_location(path, at) + ": reference ${" + target + "} points at nothing" +
                        did_you_mean(parts.back(), parent->keys()));
    }
    stack_.push_back(target);
    resolve_subtree(*node, target);
    stack_.pop_back();
    return *root_.find_path(target);  // re-find: resolution may have replaced the node
  }

  std::string env_value(const std::string& spec, const ConfigNode& at, const std::string& path) {
    const auto comma = spec.find(',');
    const std::string name = trim(spec.substr(0, comma));
    if (const char* value = std::getenv(name.c_str())) return value;
    if (comma != std::string::npos) return trim(spec.substr(comma + 1));
    throw ConfigError(describe_location(path, at) + ": environment variable " + name +
                      " is not set and ${env:" + name + "} has no default (write ${env:" + name + ",default})");
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
        throw ConfigError(describe_location(path, node) + ": unterminated reference in '" + text + "'");
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
          node = target;  // whole-value reference: take the node itself
          return;
        }
        if (!target.is_scalar()) {
          throw ConfigError(describe_location(path, node) + ": ${" + spec + "} is a " +
                            ConfigNode::kind_name(target.kind()) + " and cannot be embedded in the string '" + text +
                            "'");
        }
        out += target.scalar_value();
      }
      pos = close + 1;
    }
    node = ConfigNode::scalar(out, loc, true);
  }
};

}  // namespace

void resolve_references(ConfigNode& root) { Resolver(root).resolve_all(); }

}  // namespace detseq
