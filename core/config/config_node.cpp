#include "core/config/config_node.h"

#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "core/util/printable.h"
#include "core/util/strings.h"

namespace detseq {

SourceLoc::SourceLoc(const std::string& file_name, int line_number)
    : file(std::make_shared<const std::string>(file_name)), line(line_number) {}

std::string SourceLoc::str() const {
  if (!file) return "<unknown>";
  return line > 0 ? *file + ":" + std::to_string(line) : *file;
}

ConfigNode ConfigNode::null(SourceLoc loc) {
  ConfigNode n;
  n.loc_ = std::move(loc);
  return n;
}

ConfigNode ConfigNode::scalar(std::string value, SourceLoc loc, bool quoted) {
  ConfigNode n;
  n.kind_ = Kind::Scalar;
  n.scalar_ = std::move(value);
  n.quoted_ = quoted;
  n.loc_ = std::move(loc);
  return n;
}

ConfigNode ConfigNode::sequence(SourceLoc loc) {
  ConfigNode n;
  n.kind_ = Kind::Sequence;
  n.loc_ = std::move(loc);
  return n;
}

ConfigNode ConfigNode::map(SourceLoc loc) {
  ConfigNode n;
  n.kind_ = Kind::Map;
  n.loc_ = std::move(loc);
  return n;
}

const char* ConfigNode::kind_name(Kind kind) {
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Scalar: return "scalar";
    case Kind::Sequence: return "list";
    case Kind::Map: return "map";
  }
  return "?";
}

void ConfigNode::set_loc_recursive(const SourceLoc& loc) {
  loc_ = loc;
  for (auto& child : seq_) child.set_loc_recursive(loc);
  for (auto& item : map_) item.second.set_loc_recursive(loc);
}

const std::string& ConfigNode::scalar_value() const {
  if (kind_ != Kind::Scalar) {
    throw ConfigError(loc_.str() + ": expected a scalar, got a " + kind_name(kind_));
  }
  return scalar_;
}

const ConfigNode* ConfigNode::find(const std::string& key) const {
  if (kind_ != Kind::Map) return nullptr;
  for (const auto& item : map_) {
    if (item.first == key) return &item.second;
  }
  return nullptr;
}

ConfigNode* ConfigNode::find(const std::string& key) {
  return const_cast<ConfigNode*>(static_cast<const ConfigNode*>(this)->find(key));
}

const ConfigNode& ConfigNode::at(const std::string& key, const std::string& path) const {
  if (const ConfigNode* child = find(key)) return *child;
  const std::string where = path.empty() ? std::string("config") : path;
  if (kind_ != Kind::Map) {
    throw ConfigError(describe_location(where, *this) + ": expected a map with key '" + printable(key) + "', got a " +
                      kind_name(kind_));
  }
  throw ConfigError(describe_location(where, *this) + ": missing required key '" + printable(key) + "'" +
                    did_you_mean(key, keys()));
}

ConfigNode& ConfigNode::operator[](const std::string& key) {
  if (kind_ == Kind::Null) kind_ = Kind::Map;
  if (kind_ != Kind::Map) {
    throw ConfigError(loc_.str() + ": cannot set key '" + key + "' on a " + kind_name(kind_));
  }
  if (ConfigNode* child = find(key)) return *child;
  map_.emplace_back(key, ConfigNode::null(loc_));
  return map_.back().second;
}

void ConfigNode::set(const std::string& key, ConfigNode value) { (*this)[key] = std::move(value); }

bool ConfigNode::erase(const std::string& key) {
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    if (it->first == key) {
      map_.erase(it);
      return true;
    }
  }
  return false;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  out.reserve(map_.size());
  for (const auto& item : map_) out.push_back(item.first);
  return out;
}

size_t ConfigNode::size() const {
  if (kind_ == Kind::Sequence) return seq_.size();
  if (kind_ == Kind::Map) return map_.size();
  return 0;
}

void ConfigNode::push_back(ConfigNode value) {
  if (kind_ == Kind::Null) kind_ = Kind::Sequence;
  if (kind_ != Kind::Sequence) throw ConfigError(loc_.str() + ": cannot append to a " + kind_name(kind_));
  seq_.push_back(std::move(value));
}

namespace {
bool parse_index(const std::string& s, size_t& index) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  index = static_cast<size_t>(std::stoul(s));
  return true;
}
}  // namespace

const ConfigNode* ConfigNode::find_path(const std::string& dotted) const {
  const ConfigNode* node = this;
  if (dotted.empty()) return node;
  for (const auto& part : split(dotted, '.')) {
    size_t index = 0;
    if (node->is_sequence() && parse_index(part, index)) {
      if (index >= node->seq_.size()) return nullptr;
      node = &node->seq_[index];
    } else {
      node = node->find(part);
      if (!node) return nullptr;
    }
  }
  return node;
}

ConfigNode* ConfigNode::find_path(const std::string& dotted) {
  return const_cast<ConfigNode*>(static_cast<const ConfigNode*>(this)->find_path(dotted));
}

bool ConfigNode::operator==(const ConfigNode& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::Null: return true;
    case Kind::Scalar: return scalar_ == other.scalar_ && quoted_ == other.quoted_;
    case Kind::Sequence: return seq_ == other.seq_;
    case Kind::Map: return map_ == other.map_;
  }
  return false;
}

bool ConfigNode::scalar_is_null_spelling() const {
  return kind_ == Kind::Scalar && !quoted_ && (scalar_ == "~" || scalar_ == "null" || scalar_ == "Null" ||
                                               scalar_ == "NULL" || scalar_.empty());
}

std::string describe_location(const std::string& path, const ConfigNode& node) {
  return (path.empty() ? std::string("config") : printable(path, 200)) + " (" + node.loc().str() + ")";
}

ConfigNode make_scalar(const std::string& value) { return ConfigNode::scalar(value, {}, true); }
ConfigNode make_scalar(const char* value) { return make_scalar(std::string(value)); }
ConfigNode make_scalar(bool value) { return ConfigNode::scalar(value ? "true" : "false"); }
ConfigNode make_scalar(int value) { return ConfigNode::scalar(std::to_string(value)); }
ConfigNode make_scalar(int64_t value) { return ConfigNode::scalar(std::to_string(value)); }
ConfigNode make_scalar(double value) {
  // The shortest text that reads back as the same double (0.9, not 0.90000000000000002).
  std::string s;
  for (int precision = 15; precision <= 17; ++precision) {
    std::ostringstream out;
    out.precision(precision);
    out << value;
    s = out.str();
    if (std::strtod(s.c_str(), nullptr) == value || std::isnan(value)) break;
  }
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return ConfigNode::scalar(s);
}

namespace config_detail {

void type_error(const ConfigNode& node, const std::string& path, const std::string& expected) {
  std::string got;
  if (node.is_scalar()) {
    got = "'" + printable(node.scalar_value()) + "'";
  } else if (node.is_sequence()) {
    got = "a list of " + std::to_string(node.size());
  } else {
    got = ConfigNode::kind_name(node.kind());
  }
  throw ConfigError(describe_location(path, node) + ": expected " + expected + ", got " + got);
}

bool to_bool(const ConfigNode& node, const std::string& path) {
  if (node.is_scalar() && !node.quoted()) {
    const std::string& v = node.scalar_value();
    if (v == "true" || v == "True" || v == "TRUE") return true;
    if (v == "false" || v == "False" || v == "FALSE") return false;
  }
  type_error(node, path, "bool");
}

namespace {
// "010": PyYAML (YAML 1.1, what mmengine reads) says octal 8, YAML 1.2 says 10. Neither guess is
// safe, so a decimal with a leading zero is rejected; 0o10 and 0x8 say what they mean.
bool has_ambiguous_leading_zero(const std::string& v) {
  size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
  return v.size() > i + 1 && v[i] == '0' && std::isdigit(static_cast<unsigned char>(v[i + 1]));
}

[[noreturn]] void leading_zero_error(const ConfigNode& node, const std::string& path) {
  throw ConfigError(describe_location(path, node) + ": '" + printable(node.scalar_value()) +
                    "' has a leading zero (YAML 1.1 reads it as octal, YAML 1.2 as decimal); write it "
                    "without the zero, or 0o.. for octal");
}

// Decimal, 0x.. (hex) or 0o.. (octal), with an optional sign; nothing else.
bool parse_integer(const std::string& v, long long& out) {
  size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
  int base = 10;
  if (v.size() > i + 2 && v[i] == '0' && (v[i + 1] == 'x' || v[i + 1] == 'X')) base = 16;
  if (v.size() > i + 2 && v[i] == '0' && (v[i + 1] == 'o' || v[i + 1] == 'O')) base = 8;
  std::string digits = v.substr(i + (base == 10 ? 0 : 2));
  if (digits.empty() || !std::isxdigit(static_cast<unsigned char>(digits[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const long long magnitude = std::strtoll(digits.c_str(), &end, base);
  if (end != digits.c_str() + digits.size() || errno != 0) return false;
  out = (i == 1 && v[0] == '-') ? -magnitude : magnitude;
  return true;
}
}  // namespace

int64_t to_int(const ConfigNode& node, const std::string& path) {
  if (node.is_scalar() && !node.quoted()) {
    const std::string& v = node.scalar_value();
    if (has_ambiguous_leading_zero(v) && v.find_first_of(".eE") == std::string::npos)
      leading_zero_error(node, path);
    long long value = 0;
    if (parse_integer(v, value)) return value;
    // 1e3 or 100.0 written for an integer option: accept when exact.
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (!v.empty() && end == v.c_str() + v.size() && std::isfinite(d) && d == std::floor(d) &&
        std::fabs(d) < 9e15) {
      return static_cast<int64_t>(d);
    }
  }
  type_error(node, path, "int");
}

int to_int32(const ConfigNode& node, const std::string& path) {
  const int64_t value = to_int(node, path);
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
    type_error(node, path, "an int in [-2147483648, 2147483647]");
  return static_cast<int>(value);
}

double to_double(const ConfigNode& node, const std::string& path) {
  if (node.is_scalar() && !node.quoted()) {
    const std::string& v = node.scalar_value();
    char* end = nullptr;
    if (has_ambiguous_leading_zero(v) && v.find_first_of(".eE") == std::string::npos)
      leading_zero_error(node, path);
    const double value = std::strtod(v.c_str(), &end);
    const bool parsed = !v.empty() && end == v.c_str() + v.size();
    // NaN / Inf (.nan, .inf, 1e999) make no sense as an option and poison training silently.
    if (parsed && std::isfinite(value)) return value;
    std::string lower = v;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (parsed || lower.find("nan") != std::string::npos || lower.find("inf") != std::string::npos)
      type_error(node, path, "a finite float");
  }
  type_error(node, path, "float");
}

std::string to_string(const ConfigNode& node, const std::string& path) {
  if (node.is_scalar()) return node.scalar_value();
  type_error(node, path, "str");
}

std::string element_path(const std::string& path, size_t index) {
  return (path.empty() ? std::string("config") : path) + "." + std::to_string(index);
}

void require_sequence(const ConfigNode& node, const std::string& path, const std::string& expected) {
  if (!node.is_sequence()) type_error(node, path, expected);
}

}  // namespace config_detail
}  // namespace detseq
