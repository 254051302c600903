// ConfigNode: the config tree (null, scalar, sequence, ordered map). Every node remembers where
// it came from (file:line) so errors and `print-config --provenance` can point at it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/util/error.h"

namespace detseq {

struct SourceLoc {
  std::shared_ptr<const std::string> file;  // shared: thousands of nodes point at one name
  int line = 0;                             // 1-based; 0 when unknown

  SourceLoc() = default;
  SourceLoc(const std::string& file_name, int line_number);
  bool known() const { return file != nullptr; }
  std::string str() const;  // "configs/x.yaml:12" or "<unknown>"
};

class ConfigNode {
 public:
  enum class Kind { Null, Scalar, Sequence, Map };
  using Item = std::pair<std::string, ConfigNode>;

  ConfigNode() = default;
  static ConfigNode null(SourceLoc loc = {});
  // `quoted` marks a scalar written in quotes: it is a string, never a number or bool.
  static ConfigNode scalar(std::string value, SourceLoc loc = {}, bool quoted = false);
  static ConfigNode sequence(SourceLoc loc = {});
  static ConfigNode map(SourceLoc loc = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_sequence() const { return kind_ == Kind::Sequence; }
  bool is_map() const { return kind_ == Kind::Map; }
  static const char* kind_name(Kind kind);

  const SourceLoc& loc() const { return loc_; }
  void set_loc(SourceLoc loc) { loc_ = std::move(loc); }
  // Sets the location of this node and of every node below it.
  void set_loc_recursive(const SourceLoc& loc);

  // Scalars.
  const std::string& scalar_value() const;
  bool quoted() const { return quoted_; }

  // Maps (insertion order is kept: configs print the way they were written).
  bool has(const std::string& key) const { return find(key) != nullptr; }
  const ConfigNode* find(const std::string& key) const;
  ConfigNode* find(const std::string& key);
  // Child by key; throws ConfigError naming `path_for_errors` when missing.
  const ConfigNode& at(const std::string& key, const std::string& path_for_errors = "") const;
  // Inserts a null child when missing; turns a null node into a map.
  ConfigNode& operator[](const std::string& key);
  void set(const std::string& key, ConfigNode value);
  bool erase(const std::string& key);
  const std::vector<Item>& items() const { return map_; }
  std::vector<Item>& items() { return map_; }
  std::vector<std::string> keys() const;

  // Sequences.
  size_t size() const;
  const ConfigNode& operator[](size_t index) const { return seq_.at(index); }
  ConfigNode& operator[](size_t index) { return seq_.at(index); }
  void push_back(ConfigNode value);
  const std::vector<ConfigNode>& elements() const { return seq_; }
  std::vector<ConfigNode>& elements() { return seq_; }

  // Dotted path lookup ("model.backbone.depth", "pipeline.2.scale"); nullptr when absent.
  const ConfigNode* find_path(const std::string& dotted) const;
  ConfigNode* find_path(const std::string& dotted);

  // Structural equality (kinds, keys in order, scalar text); locations are ignored.
  bool operator==(const ConfigNode& other) const;
  bool operator!=(const ConfigNode& other) const { return !(*this == other); }

  // Typed access; `path` names the value in errors:
  //   model.backbone.depth (x.yaml:7): expected int, got 'fifty'
  // Supported: bool, int, int64_t, float, double, std::string, std::vector<T>, ConfigNode.
  template <class T>
  T as(const std::string& path = "") const;

  // Scalar helpers used by as<T>(); the raw YAML truth/null spellings.
  bool scalar_is_null_spelling() const;

 private:
  Kind kind_ = Kind::Null;
  std::string scalar_;
  bool quoted_ = false;
  std::vector<ConfigNode> seq_;
  std::vector<Item> map_;
  SourceLoc loc_;
};

// "path (file:line)" as used at the start of config error messages.
std::string describe_location(const std::string& path, const ConfigNode& node);

// Builders for values written from code (e.g. a parent filling in a child's option).
ConfigNode make_scalar(const std::string& value);
ConfigNode make_scalar(const char* value);
ConfigNode make_scalar(bool value);
ConfigNode make_scalar(int value);
ConfigNode make_scalar(int64_t value);
ConfigNode make_scalar(double value);

}  // namespace detseq

#include "core/config/config_convert.h"
