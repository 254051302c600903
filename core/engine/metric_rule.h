// Whether a larger metric value is better: an explicit rule ("greater" / "less"), else inferred
// from the name as mmengine does (a name containing "loss" -> less, anything else -> greater).
#pragma once
#include <string>

#include "core/util/error.h"

namespace detseq {

inline bool metric_rule_is_greater(const std::string& rule, const std::string& key, const std::string& path) {
  if (rule == "greater") return true;
  if (rule == "less") return false;
  if (!rule.empty()) throw ConfigError(path + ": '" + rule + "' is not one of greater, less");
  return key.find("loss") == std::string::npos;
}

}  // namespace detseq
