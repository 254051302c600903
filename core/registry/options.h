// Declared, typed component options.
//
// A component describes its options once, in a struct with a `visit` template:
//
//   struct ResNetOptions {
//     int depth = 50;
//     std::vector<int> out_indices{3};
//     NormLayerCfg-like nested structs, ComponentCfg children, ...
//     template <class V> void visit(V& v) {
//       v("depth", depth, "ResNet depth").one_of({18, 34, 50, 101});
//       v("out_indices", out_indices, "stages whose outputs are returned (0-based)").non_negative();
//     }
//   };
//
// The same declaration reads a config map (typed, with file:line in errors, unknown keys rejected
// with a suggestion, value rules checked, see option_rules.h) and prints `detseq registry describe`
// tables (defaults come from the struct). Mark options without a sensible default with
// `v.required(...)`. A field whose type itself has a `visit` is a nested map of options: it is read
// with its full path (`model.head.transformer.num_encoder_layers`), described row by row
// (`transformer.num_encoder_layers`) and printed with its defaults.
#pragma once
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/config/config_node.h"
#include "core/config/yaml_io.h"
#include "core/registry/option_rules.h"
#include "core/util/strings.h"

namespace detseq {

// A nested component config (e.g. `backbone: {type: ResNet, depth: 50}`) kept unbuilt, with the
// config path it was found at so that its errors name `model.backbone`. A default made with
// `ComponentCfg::of("SinePositionalEncoding")` names the type used when the config map has none.
struct ComponentCfg {
  ConfigNode node;
  std::string path;
  bool empty() const { return node.is_null(); }
  static ComponentCfg of(const std::string& type) {
    ComponentCfg cfg;
    cfg.node["type"] = ConfigNode::scalar(type);  // unquoted: prints as `type: ResNet`
    return cfg;
  }
  // Sets one option from code (a parent passing a value down, a test): cfg.with("num_feats", 4).
  template <class T>
  ComponentCfg with(const std::string& key, const T& value) const {
    ComponentCfg out = *this;
    out.node[key] = make_scalar(value);
    return out;
  }
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
  std::string rules;  // declared value checks, e.g. "one of 18, 34, 50, 101"
};

// A visitor that only names the calls every visitor supports (to detect option structs).
struct OptionVisitorProbe {
  template <class T>
  OptionSpec<T> operator()(const std::string&, T&, const std::string& = "");
  template <class T>
  OptionSpec<T> required(const std::string&, T&, const std::string& = "");
};

// True for a struct with a `template <class V> void visit(V&)`: it is read as a nested option map.
template <class T, class = void>
struct has_visit : std::false_type {};
template <class T>
struct has_visit<T, std::void_t<decltype(std::declval<T&>().visit(std::declval<OptionVisitorProbe&>()))>>
    : std::true_type {};

template <class Options>
Options read_options(const ConfigNode& node, const std::string& path, const std::string& type_name = "");
template <class Options>
void read_options_into(Options& options, const ConfigNode& node, const std::string& path,
                       const std::string& type_name = "");

// Option structs are config types: `node.as<DETRTransformerOptions>(path)`, lists of them, ...
template <class T>
struct ConfigConvert<T, std::enable_if_t<has_visit<T>::value>> {
  static constexpr const char* name = "map";
  static T from(const ConfigNode& n, const std::string& p) { return read_options<T>(n, p); }
};

// ---- conversions of defaults back to config nodes (for describe tables) -----------------------
namespace options_detail {
template <class T, std::enable_if_t<has_visit<T>::value, int> = 0>
ConfigNode to_node(const T& v);
inline ConfigNode to_node(const ConfigNode& v) { return v; }
inline ConfigNode to_node(const ComponentCfg& v) { return v.node; }
inline ConfigNode to_node(const std::string& v) { return ConfigNode::scalar(v, {}, true); }
inline ConfigNode to_node(bool v) { return make_scalar(v); }
inline ConfigNode to_node(int v) { return make_scalar(v); }
inline ConfigNode to_node(int64_t v) { return make_scalar(v); }
inline ConfigNode to_node(double v) { return make_scalar(v); }
inline ConfigNode to_node(float v) { return make_scalar(static_cast<double>(v)); }
template <class T, std::enable_if_t<!has_visit<T>::value, int> = 0>
ConfigNode to_node(const T&) {
  return ConfigNode::scalar("?");
}
template <class T>
ConfigNode to_node(const std::vector<T>& v);
template <class T, size_t N>
ConfigNode to_node(const std::array<T, N>& v);
template <class T>
ConfigNode to_node(const std::optional<T>& v);

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

// Writes every option of a struct into a map (the defaults of a nested option struct).
class OptionNodeWriter {
 public:
  template <class T>
  OptionSpec<T> operator()(const std::string& key, T& field, const std::string& = "") {
    out_[key] = to_node(field);
    return OptionSpec<T>(field, nullptr);
  }
  template <class T>
  OptionSpec<T> required(const std::string& key, T& field, const std::string& doc = "") {
    return (*this)(key, field, doc);
  }
  ConfigNode take() { return std::move(out_); }

 private:
  ConfigNode out_ = ConfigNode::map();
};

template <class T, std::enable_if_t<has_visit<T>::value, int>>
ConfigNode to_node(const T& v) {
  T copy = v;  // visit() is not const
  OptionNodeWriter writer;
  copy.visit(writer);
  return writer.take();
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
  OptionSpec<T> operator()(const std::string& key, T& field, const std::string& /*doc*/ = "") {
    known_.push_back(key);
    const ConfigNode* child = node_.find(key);
    if (child) {
      // null is a value only where the option says so (optional, nested configs); elsewhere it
      // would silently keep the default, so it is an error naming the default.
      if (child->is_null() && !accepts_null<T>::value) {
        null_error(key, *child, ConfigTypeName<T>::get(), options_detail::yaml_text(field));
      }
    }
    assign(field, child, child_path(key));
    return OptionSpec<T>(field, sink(key, child));
  }

  template <class T>
  OptionSpec<T> required(const std::string& key, T& field, const std::string& /*doc*/ = "") {
    known_.push_back(key);
    const ConfigNode* child = node_.find(key);
    if (!child || child->is_null()) {
      throw ConfigError(describe_location(path_, node_) + ": missing required option '" + key + "'" + owner() +
                        did_you_mean(key, node_.keys()));
    }
    assign(field, child, child_path(key));
    return OptionSpec<T>(field, sink(key, child));
  }

  // Throws for any key of the node that no option read ("type" is always allowed).
  void finish() const;

  const std::string& path() const { return path_; }
  std::string child_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  // Throws `path (file:line): expected ..., got ...` for the option being read.
  class RuleChecker : public OptionRuleSink {
   public:
    void rule(const std::string&) override {}
    void fail(int64_t index, const std::string& expected, const std::string& got) override;
    const OptionReader* reader = nullptr;
    std::string key;
    const ConfigNode* child = nullptr;
  };
  OptionRuleSink* sink(const std::string& key, const ConfigNode* child) {
    checker_.reader = this;
    checker_.key = key;
    checker_.child = child;
    return &checker_;
  }
  template <class T>
  static void assign(T& field, const ConfigNode* child, const std::string& path) {
    if (!child) return;
    if constexpr (has_visit<T>::value) {
      read_options_into(field, *child, path);  // over the parent's defaults, with the full path
    } else {
      field = child->as<T>(path);
    }
  }
  static void assign(ComponentCfg& field, const ConfigNode* child, const std::string& path);
  std::string owner() const { return type_name_.empty() ? std::string() : " of " + type_name_; }
  [[noreturn]] void null_error(const std::string& key, const ConfigNode& child, const std::string& type,
                               const std::string& default_text) const;
  const ConfigNode& node_;
  std::string path_;
  std::string type_name_;
  std::vector<std::string> known_;
  RuleChecker checker_;
};

// Collects the option table of a struct for `detseq registry describe`; nested option structs
// add a row of their own and one row per option (`transformer.num_encoder_layers`).
class OptionDescriber {
 public:
  explicit OptionDescriber(std::string prefix = "") : prefix_(std::move(prefix)) {}
  template <class T>
  OptionSpec<T> operator()(const std::string& key, T& field, const std::string& doc = "") {
    return add(key, field, doc, false);
  }
  template <class T>
  OptionSpec<T> required(const std::string& key, T& field, const std::string& doc = "") {
    return add(key, field, doc, true);
  }
  std::vector<OptionInfo> take() { return std::move(options_); }

 private:
  class RuleRecorder : public OptionRuleSink {
   public:
    void rule(const std::string& text) override {
      if (info) info->rules += (info->rules.empty() ? "" : "; ") + text;
    }
    void fail(int64_t, const std::string&, const std::string&) override {}
    OptionInfo* info = nullptr;
  };
  template <class T>
  OptionSpec<T> add(const std::string& key, T& field, const std::string& doc, bool required) {
    const std::string name = prefix_ + key;
    if constexpr (has_visit<T>::value) {
      options_.push_back({name, "map", "", doc, required, ""});
      OptionDescriber nested(name + ".");
      field.visit(nested);
      for (auto& o : nested.take()) options_.push_back(std::move(o));
      return OptionSpec<T>(field, nullptr);
    } else {
      options_.push_back(
          {name, ConfigTypeName<T>::get(), required ? "" : options_detail::yaml_text(field), doc, required, ""});
      recorder_.info = &options_.back();
      return OptionSpec<T>(field, &recorder_);
    }
  }
  std::string prefix_;
  std::vector<OptionInfo> options_;
  RuleRecorder recorder_;
};

// Parses `node` (a map, or null for all defaults) into `options`, over the values it already
// holds; unknown keys are errors.
template <class Options>
void read_options_into(Options& options, const ConfigNode& node, const std::string& path,
                       const std::string& type_name) {
  if (!node.is_map() && !node.is_null()) {
    throw ConfigError(describe_location(path, node) + ": expected a map of options, got a " +
                      ConfigNode::kind_name(node.kind()));
  }
  const ConfigNode empty = ConfigNode::map(node.loc());
  OptionReader reader(node.is_map() ? node : empty, path, type_name);
  options.visit(reader);
  reader.finish();
}

template <class Options>
Options read_options(const ConfigNode& node, const std::string& path, const std::string& type_name) {
  Options options;
  read_options_into(options, node, path, type_name);
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
