#include "core/registry/options.h"

#include "core/util/strings.h"

namespace detseq {

OptionReader::OptionReader(const ConfigNode& node, std::string path, std::string type_name)
    : node_(node), path_(std::move(path)), type_name_(std::move(type_name)) {}

void OptionReader::null_error(const std::string& key, const ConfigNode& child, const std::string& type,
                              const std::string& default_text) const {
  throw ConfigError(describe_location(child_path(key), child) + ": null is not a valid " + type + owner() +
                    "; remove the key to keep the default (" + (default_text.empty() ? "\"\"" : default_text) + ")");
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
