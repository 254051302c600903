// Declared, typed component options.
//
// A component describes its options once, in a struct with a `visit` template:
//
//   struct ResNetOptions {
//     int depth = 50;
//     std::vector<int> out_indices{3};
//     template <class V> void visit(V& v) {
//       v("depth", depth, "ResNet depth: 18, 34, 50 or 101");
//       v("out_indices", out_indices, "stages whose outputs are returned (0-based)");
//     }
//   };
//
// The same declaration reads a config map (typed, with file:line in errors, unknown keys rejected
// with a suggestion) and prints `detseq registry describe` tables (defaults come from the struct).
// Mark options without a sensible default with `v.required(...)`.
#pragma once
#include <sstream>
#include <string>
#include <vector>

#include "core/config/config_node.h"
#include "core/config/yaml_io.h"
#include "core/util/strings.h"

namespace detseq {

// A nested component config (e.g. `backbone: {type: ResNet, depth: 50}`) kept unbuilt, with the
// config path it was found at so that its errors name `model.backbone`.
struct ComponentCfg {
  ConfigNode node;
  std::string path;
  bool empty() const { return node.is_null(); }
};

template <>
struct ConfigConvert<ComponentCfg> {
  static constexpr const char* name = "component";
  static ComponentCfg from(const ConfigNode& n, const std::string& p) { return {n, p}; }
};

struct OptionInfo {
  std::string name;
  std::string type;
  std::string default_value;  // YAML text; empty for required options
  std::string doc;
  bool required = false;
};

// ---- conversions of defaults back to config nodes (for describe tables) -----------------------
namespace options_detail {
inline ConfigNode to_node(const ConfigNode& v) { return v; }
inline ConfigNode to_node(const ComponentCfg& v) { return v.node; }
inline ConfigNode to_node(const std::string& v) { return ConfigNode::scalar(v, {}, true); }
inline ConfigNode to_node(bool v) { return make_scalar(v); }
inline ConfigNode to_node(int v) { return make_scalar(v); }
inline ConfigNode to_node(int64_t v) { return make_scalar(v); }
inline ConfigNode to_node(double v) { return make_scalar(v); }
inline ConfigNode to_node(float v) { return make_scalar(static_cast<double>(v)); }
template <class T>
ConfigNode to_node(const std::vector<T>& v) {
  ConfigNode out = ConfigNode::sequence();
  for (const auto& x : v) out.push_back(to_node(x));
  return out;
}
template <class T, size_t N>
ConfigNode to_node(const std::array<T, N>& v) {
  ConfigNode out = ConfigNode::sequence();
  for (const auto& x : v) out.push_back(to_node(x));
  return out;
}
template <class T>
ConfigNode to_node(const std::optional<T>& v) {
  return v ? to_node(*v) : ConfigNode::null();
}
template <class T>
ConfigNode to_node(const T&) {
  return ConfigNode::scalar("?");
}
// The YAML text of a value, for describe tables and "keep the default" hints.
template <class T>
std::string yaml_text(const T& value) {
  std::string text = dump_yaml(to_node(value));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}
}  // namespace options_detail

template <class T>
struct accepts_null : std::false_type {};
template <class T>
struct accepts_null<std::optional<T>> : std::true_type {};
template <>
struct accepts_null<ComponentCfg> : std::true_type {};
template <>
struct accepts_null<ConfigNode> : std::true_type {};

// Reads options from a map node, recording which keys were read.
class OptionReader {
 public:
  // `path` is the config path of the map (model.backbone); `type_name` the registered type, if any.
  OptionReader(const ConfigNode& node, std::string path, std::string type_name = "");

  template <class T>
  void operator()(const std::string& key, T& field, const std::string& /*doc*/ = "") {
    known_.push_back(key);
    if (const ConfigNode* child = node_.find(key)) {
      // null is a value only where the option says so (optional, nested configs); elsewhere it
      // would silently keep the default, so it is an error naming the default.
      if (child->is_null() && !accepts_null<T>::value) {
        null_error(key, *child, ConfigTypeName<T>::get(), options_detail::yaml_text(field));
      }
      field = child->as<T>(child_path(key));
    }
  }

  template <class T>
  void required(const std::string& key, T& field, const std::string& /*doc*/ = "") {
    known_.push_back(key);
    const ConfigNode* child = node_.find(key);
    if (!child || child->is_null()) {
      throw ConfigError(describe_location(path_, node_) + ": missing required option '" + key + "'" + owner() +
                        did_you_mean(key, node_.keys()));
    }
    field = child->as<T>(child_path(key));
  }

  // Throws for any key of the node that no option read ("type" is always allowed).
  void finish() const;

  const std::string& path() const { return path_; }
  std::string child_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  std::string owner() const { return type_name_.empty() ? std::string() : " of " + type_name_; }
  [[noreturn]] void null_error(const std::string& key, const ConfigNode& child, const std::string& type,
                               const std::string& default_text) const;
  const ConfigNode& node_;
  std::string path_;
  std::string type_name_;
  std::vector<std::string> known_;
};

// Collects the option table of a struct for `detseq registry describe`.
class OptionDescriber {
 public:
  template <class T>
  void operator()(const std::string& key, T& field, const std::string& doc = "") {
    add(key, ConfigTypeName<T>::get(), dump_default(field), doc, false);
  }
  template <class T>
  void required(const std::string& key, T& field, const std::string& doc = "") {
    add(key, ConfigTypeName<T>::get(), "", doc, true);
  }
  std::vector<OptionInfo> take() { return std::move(options_); }

 private:
  template <class T>
  static std::string dump_default(const T& value) {
    return options_detail::yaml_text(value);
  }
  void add(std::string name, std::string type, std::string def, std::string doc, bool required) {
    options_.push_back({std::move(name), std::move(type), std::move(def), std::move(doc), required});
  }
  std::vector<OptionInfo> options_;
};

// Parses `Options` from `node` (a map); unknown keys are errors.
template <class Options>
Options read_options(const ConfigNode& node, const std::string& path, const std::string& type_name = "") {
  Options options;
  if (!node.is_map() && !node.is_null()) {
    throw ConfigError(describe_location(path, node) + ": expected a map of options, got a " +
                      ConfigNode::kind_name(node.kind()));
  }
  const ConfigNode empty = ConfigNode::map(node.loc());
  OptionReader reader(node.is_map() ? node : empty, path, type_name);
  options.visit(reader);
  reader.finish();
  return options;
}

template <class Options>
std::vector<OptionInfo> describe_options() {
  Options options;
  OptionDescriber describer;
  options.visit(describer);
  return describer.take();
}


}  // namespace detseq
