// Loading a config the mmengine way, in YAML:
//   1. `_base_` files (a path or a list, relative to the including file) are loaded recursively
//      and merged left to right; the same top-level key in two sibling bases is an error.
//   2. The child merges over the bases: maps merge recursively, scalars and lists are replaced,
//      `_delete_: true` in a child map replaces the base map instead of merging.
//   3. `--cfg-options key.path=value` overrides are applied (values in mmengine's DictAction
//      syntax over YAML: `a,b` and `(a,b)` are lists). A path through a `${x}` reference
//      copies x's tree there first (copy-on-write), so the other users of x are untouched.
//   4. `${a.b.c}` references and `${env:NAME,default}` are resolved on the merged tree.
#pragma once
#include <string>
#include <vector>

#include "core/config/config_node.h"

namespace detseq {

struct Config {
  ConfigNode root;
  std::string filename;  // the top-level file as given
  // Top-level keys that a `${}` reference pointed at (helpers such as `train_pipeline`): read
  // through the reference, so not "unused" even though nothing reads them by name.
  std::vector<std::string> referenced_keys;

  const ConfigNode& operator[](const std::string& key) const { return root.at(key); }
  const ConfigNode* find(const std::string& dotted) const { return root.find_path(dotted); }
};

// The whole pipeline above.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// The individual steps, exposed for tests and for tools that need them separately.
ConfigNode load_with_bases(const std::string& path);         // steps 1-2
void merge_into(ConfigNode& base, const ConfigNode& child);  // step 2 for one pair
void apply_override(ConfigNode& root, const std::string& assignment);  // "a.b.0=value"
// The value of one override: "1,2" and "[1,2]" are lists, "(1,2)" a list (mmengine's tuple),
// nested "[(1,2),(3,4)]"; "{a: 1}" and scalars are YAML ('12' a string, None/null null).
ConfigNode parse_override_value(const std::string& text, const std::string& source_name);
// Step 4; returns the top-level keys the references pointed at (see Config::referenced_keys).
// A config whose references expand beyond kMaxExpandedValues values is an error.
std::vector<std::string> resolve_references(ConfigNode& root);
constexpr size_t kMaxExpandedValues = 200000;

}  // namespace detseq
