// Typed conversions for ConfigNode::as<T>(). Errors read
//   model.backbone.depth (x.yaml:7): expected int, got 'fifty'
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace detseq {

class ConfigNode;

namespace config_detail {
[[noreturn]] void type_error(const ConfigNode& node, const std::string& path, const std::string& expected);
bool to_bool(const ConfigNode& node, const std::string& path);
int64_t to_int(const ConfigNode& node, const std::string& path);
int to_int32(const ConfigNode& node, const std::string& path);  // out of range is an error, not a wrap
double to_double(const ConfigNode& node, const std::string& path);
std::string to_string(const ConfigNode& node, const std::string& path);
std::string element_path(const std::string& path, size_t index);
void require_sequence(const ConfigNode& node, const std::string& path, const std::string& expected);
}  // namespace config_detail

// Specialise to add a type; `Enable` lets a whole category opt in (option structs with a
// `visit`, core/registry/options.h).
template <class T, class Enable = void>
struct ConfigConvert;

template <>
struct ConfigConvert<bool> {
  static constexpr const char* name = "bool";
  static bool from(const ConfigNode& n, const std::string& p) { return config_detail::to_bool(n, p); }
};
template <>
struct ConfigConvert<int> {
  static constexpr const char* name = "int";
  static int from(const ConfigNode& n, const std::string& p) {
    return config_detail::to_int32(n, p);
  }
};
template <>
struct ConfigConvert<int64_t> {
  static constexpr const char* name = "int";
  static int64_t from(const ConfigNode& n, const std::string& p) { return config_detail::to_int(n, p); }
};
template <>
struct ConfigConvert<double> {
  static constexpr const char* name = "float";
  static double from(const ConfigNode& n, const std::string& p) { return config_detail::to_double(n, p); }
};
template <>
struct ConfigConvert<float> {
  static constexpr const char* name = "float";
  static float from(const ConfigNode& n, const std::string& p) {
    return static_cast<float>(config_detail::to_double(n, p));
  }
};
template <>
struct ConfigConvert<std::string> {
  static constexpr const char* name = "str";
  static std::string from(const ConfigNode& n, const std::string& p) { return config_detail::to_string(n, p); }
};
template <>
struct ConfigConvert<ConfigNode> {
  static constexpr const char* name = "config";
  static ConfigNode from(const ConfigNode& n, const std::string&);
};
template <class T>
struct ConfigConvert<std::vector<T>> {
  static std::vector<T> from(const ConfigNode& n, const std::string& p);
};
template <class T, size_t N>
struct ConfigConvert<std::array<T, N>> {
  static std::array<T, N> from(const ConfigNode& n, const std::string& p);
};

template <class T>
struct ConfigConvert<std::optional<T>> {
  static std::optional<T> from(const ConfigNode& n, const std::string& p);
};

// Human-readable type name for option tables ("int", "list[float]", ...).
template <class T>
struct ConfigTypeName {
  static std::string get() { return ConfigConvert<T>::name; }
};
template <class T>
struct ConfigTypeName<std::vector<T>> {
  static std::string get() { return "list[" + ConfigTypeName<T>::get() + "]"; }
};
template <class T>
struct ConfigTypeName<std::optional<T>> {
  static std::string get() { return ConfigTypeName<T>::get() + " or null"; }
};
template <class T, size_t N>
struct ConfigTypeName<std::array<T, N>> {
  static std::string get() { return "list[" + ConfigTypeName<T>::get() + "] of " + std::to_string(N); }
};

}  // namespace detseq

// Definitions that need the complete ConfigNode.
namespace detseq {

inline ConfigNode ConfigConvert<ConfigNode>::from(const ConfigNode& n, const std::string&) { return n; }

template <class T>
std::vector<T> ConfigConvert<std::vector<T>>::from(const ConfigNode& n, const std::string& p) {
  // A single scalar where a list is expected is a common slip; say so rather than guessing.
  config_detail::require_sequence(n, p, ConfigTypeName<std::vector<T>>::get());
  std::vector<T> out;
  out.reserve(n.size());
  for (size_t i = 0; i < n.size(); ++i) {
    out.push_back(ConfigConvert<T>::from(n[i], config_detail::element_path(p, i)));
  }
  return out;
}

template <class T, size_t N>
std::array<T, N> ConfigConvert<std::array<T, N>>::from(const ConfigNode& n, const std::string& p) {
  config_detail::require_sequence(n, p, ConfigTypeName<std::array<T, N>>::get());
  if (n.size() != N) {
    config_detail::type_error(n, p, ConfigTypeName<std::array<T, N>>::get());
  }
  std::array<T, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = ConfigConvert<T>::from(n[i], config_detail::element_path(p, i));
  return out;
}

template <class T>
std::optional<T> ConfigConvert<std::optional<T>>::from(const ConfigNode& n, const std::string& p) {
  if (n.is_null()) return std::nullopt;
  return ConfigConvert<T>::from(n, p);
}

template <class T>
T ConfigNode::as(const std::string& path) const {
  return ConfigConvert<T>::from(*this, path);
}

}  // namespace detseq
