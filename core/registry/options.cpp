#include "core/registry/options.h"

#include <cctype>

#include "core/util/strings.h"

namespace detseq {

OptionReader::OptionReader(const ConfigNode& node, std::string path, std::string type_name)
    : node_(node), path_(std::move(path)), type_name_(std::move(type_name)) {}

void OptionReader::null_error(const std::string& key, const ConfigNode& child, const std::string& type,
                              const std::string& default_text) const {
  throw ConfigError(describe_location(child_path(key), child) + ": null is not a valid " + type + owner() +
                    "; remove the key to keep the default (" + (default_text.empty() ? "\"\"" : default_text) + ")");
}

void OptionReader::RuleChecker::fail(int64_t index, const std::string& expected, const std::string& got) {
  std::string path = reader->child_path(key);
  const ConfigNode* where = child;
  if (index >= 0) {
    path += "." + std::to_string(index);
    if (child && child->is_sequence() && static_cast<size_t>(index) < child->size()) where = &(*child)[index];
  }
  // A default that breaks its own rule is a programming error, but still reported in config terms.
  const std::string location =
      where ? describe_location(path, *where) : describe_location(path, reader->node_) + " (the default)";
  // A misspelt string choice gets a did-you-mean, as unknown keys and types do (not numbers: "5"
  // is not a typo of "50").
  std::string hint;
  const std::string one_of = "one of ";
  if (starts_with(expected, one_of) && !got.empty() && !std::isdigit(static_cast<unsigned char>(got[0])) &&
      got[0] != '-' && got != "true" && got != "false") {
    std::vector<std::string> choices;
    for (const auto& c : split(expected.substr(one_of.size()), ',')) choices.push_back(trim(c));
    hint = did_you_mean(got, choices);
  }
  throw ConfigError(location + ": expected " + expected + ", got " + got + hint);
}

void OptionReader::assign(ComponentCfg& field, const ConfigNode* child, const std::string& path) {
  if (!child) {
    field.path = path;  // the default: its errors still name where it would be written
    return;
  }
  ComponentCfg next{*child, path};
  // A map without `type` keeps the default's type (`positional_encoding: {num_feats: 64}`).
  if (child->is_map() && !child->has("type") && field.node.is_map()) {
    if (const ConfigNode* type = field.node.find("type")) {
      ConfigNode t = *type;
      t.set_loc(child->loc());
      next.node = ConfigNode::map(child->loc());
      next.node.set("type", t);
      for (const auto& [k, v] : child->items()) next.node.set(k, v);
    }
  }
  field = std::move(next);
}

void OptionReader::finish() const {
  for (const auto& item : node_.items()) {
    const std::string& key = item.first;
    if (key == "type") continue;
    bool known = false;
    for (const auto& k : known_) known = known || k == key;
    if (known) continue;
    const std::string where = path_.empty() ? std::string("config") : path_;
    throw ConfigError("unknown key '" + key + "' in " + where + (type_name_.empty() ? "" : " (" + type_name_ + ")") +
                      " at " + item.second.loc().str() + did_you_mean(key, known_));
  }
}

}  // namespace detseq
