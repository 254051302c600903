// Values of `--cfg-options key=value`, as mmengine's DictAction reads them, over YAML scalars:
//   a,b,c -> [a, b, c]     (1,2) -> [1, 2] (a tuple is a list here)     a, -> [a]
//   [(1,2),(3,4)] -> nested lists      '"(1,2)"' -> [1, 2] (mmengine strips the outer quotes)
// Elements are YAML: 12 a number, '12' a string, null/~/None null, {a: 1} a map.
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/config/yaml_io.h"
#include "core/util/strings.h"

namespace detseq {
namespace {

struct ValueParser {
  const std::string& whole;   // for error messages
  const std::string& source;  // "<cfg-options key>"

  [[noreturn]] void fail(const std::string& why) const {
    throw ConfigError(source + ": " + why + " in the value '" + whole + "'");
  }

  // Splits on commas outside brackets, braces and quotes; a trailing comma ends the list.
  std::vector<std::string> split_top_level(const std::string& text) const {
    std::vector<std::string> parts;
    std::string current;
    std::vector<char> open;
    char quote = 0;
    for (char c : text) {
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        open.push_back(c);
      } else if (c == ')' || c == ']' || c == '}') {
        const char want = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (open.empty() || open.back() != want) fail(std::string("unbalanced '") + c + "'");
        open.pop_back();
      } else if (c == ',' && open.empty()) {
        parts.push_back(current);
        current.clear();
        continue;
      }
      current.push_back(c);
    }
    if (quote) fail("unterminated quote");
    if (!open.empty()) fail(std::string("unclosed '") + open.back() + "'");
    if (!trim(current).empty() || parts.empty()) parts.push_back(current);
    return parts;
  }

  // True when text[0] opens a bracket that closes exactly at the last character.
  bool wrapped(const std::string& text, char first, char last) const {
    if (text.size() < 2 || text.front() != first || text.back() != last) return false;
    int depth = 0;
    char quote = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']' || c == '}') {
        if (--depth == 0 && i + 1 < text.size()) return false;
      }
    }
    return depth == 0;
  }

  ConfigNode list_of(const std::string& inner) const {
    ConfigNode list = ConfigNode::sequence();
    if (trim(inner).empty()) return list;
    for (const auto& part : split_top_level(inner)) {
      if (trim(part).empty()) fail("empty list element");
      list.push_back(parse(part));
    }
    return list;
  }

  ConfigNode parse(const std::string& raw) const {
    std::string text = trim(raw);
    for (const char q : {'"', '\''}) {
      if (text.size() >= 2 && text.front() == q && text.back() == q) {
        const std::string inner = trim(text.substr(1, text.size() - 2));
        if (wrapped(inner, '(', ')') || wrapped(inner, '[', ']')) text = inner;
      }
    }
    if (wrapped(text, '(', ')') || wrapped(text, '[', ']')) return list_of(text.substr(1, text.size() - 2));
    if (wrapped(text, '{', '}')) return parse_yaml_string(text, source);
    if (split_top_level(text).size() > 1 || (!text.empty() && text.back() == ',')) return list_of(text);
    ConfigNode scalar = parse_yaml_string(text, source);
    if (scalar.is_scalar() && !scalar.quoted() && scalar.scalar_value() == "None") return ConfigNode::null();
    return scalar;
  }
};

}  // namespace

ConfigNode parse_override_value(const std::string& text, const std::string& source_name) {
  ConfigNode value = ValueParser{text, source_name}.parse(text);
  value.set_loc_recursive(SourceLoc(source_name, 0));
  return value;
}

}  // namespace detseq
