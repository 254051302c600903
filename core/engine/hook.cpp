#include "core/engine/hook.h"

#include <algorithm>
#include <cctype>

#include "core/util/strings.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Hook);

namespace {
const std::vector<std::pair<std::string, Priority>>& priority_names() {
  static const std::vector<std::pair<std::string, Priority>> names{
      {"HIGHEST", Priority::HIGHEST},     {"VERY_HIGH", Priority::VERY_HIGH},
      {"HIGH", Priority::HIGH},           {"ABOVE_NORMAL", Priority::ABOVE_NORMAL},
      {"NORMAL", Priority::NORMAL},       {"BELOW_NORMAL", Priority::BELOW_NORMAL},
      {"LOW", Priority::LOW},             {"VERY_LOW", Priority::VERY_LOW},
      {"LOWEST", Priority::LOWEST}};
  return names;
}
}  // namespace

int parse_priority(const ConfigNode& node, const std::string& path) {
  if (!node.is_scalar()) {
    throw ConfigError(describe_location(path, node) + ": expected a priority name (HIGHEST..LOWEST) or an int 0..100");
  }
  std::string text = node.scalar_value();
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::vector<std::string> names;
  for (const auto& [name, value] : priority_names()) {
    if (name == upper) return static_cast<int>(value);
    names.push_back(name);
  }
  const int value = node.as<int>(path.empty() ? "priority" : path);  // throws with a typed message
  if (value < 0 || value > 100) {
    throw ConfigError(describe_location(path, node) + ": priority " + text + " is outside 0..100" +
                      did_you_mean(upper, names));
  }
  return value;
}

std::string priority_name(int priority) {
  for (const auto& [name, value] : priority_names())
    if (static_cast<int>(value) == priority) return name;
  return std::to_string(priority);
}

}  // namespace detseq
