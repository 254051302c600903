#include "core/config/custom_imports.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <set>

#include "core/logging/logging.h"

namespace detseq {
namespace {

namespace fs = std::filesystem;

// A path with a folder is a file: absolute, or relative to the config file that names it (where a
// user reads it), else the current directory. A bare name (libfoo.so) goes to the dynamic loader's
// search path, as dlopen does.
std::string resolve(const std::string& name, const ConfigNode& node) {
  if (name.find('/') == std::string::npos) return name;
  const fs::path p(name);
  if (p.is_absolute()) return p.lexically_normal().string();
  if (node.loc().known()) {
    const fs::path beside = fs::path(*node.loc().file).parent_path() / p;
    if (fs::exists(beside)) return fs::absolute(beside).lexically_normal().string();
  }
  return fs::absolute(p).lexically_normal().string();
}

}  // namespace

std::vector<std::string> load_custom_imports(const ConfigNode& root) {
  const ConfigNode* ci = root.find("custom_imports");
  if (ci == nullptr || ci->is_null()) return {};
  if (!ci->is_map()) {
    throw ConfigError(describe_location("custom_imports", *ci) +
                      ": expected {imports: [plugin.so, ...], allow_failed_imports: false}");
  }
  bool allow_failed = false;
  std::vector<std::pair<std::string, const ConfigNode*>> imports;
  for (const auto& [key, value] : ci->items()) {
    if (key == "allow_failed_imports") {
      allow_failed = value.as<bool>("custom_imports.allow_failed_imports");
    } else if (key == "imports") {
      if (value.is_scalar()) {
        imports.emplace_back(value.as<std::string>("custom_imports.imports"), &value);
      } else if (value.is_sequence()) {
        for (size_t i = 0; i < value.size(); ++i)
          imports.emplace_back(value[i].as<std::string>("custom_imports.imports." + std::to_string(i)), &value[i]);
      } else {
        throw ConfigError(describe_location("custom_imports.imports", value) +
                          ": expected a library path or a list of them");
      }
    } else {
      throw ConfigError(describe_location("custom_imports." + key, value) + ": unknown key '" + key +
                        "' (custom_imports takes imports, allow_failed_imports)");
    }
  }
  static std::mutex mutex;
  static std::set<std::string> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<std::string> out;
  for (size_t i = 0; i < imports.size(); ++i) {
    const auto& [name, node] = imports[i];
    const std::string path = resolve(name, *node);
    if (!loaded.count(path)) {
      // RTLD_GLOBAL: a plugin may build on another plugin's symbols; the handle stays open for the
      // process's life, as registrations point into the library.
      if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
        const char* why = dlerror();
        const std::string message = describe_location("custom_imports.imports." + std::to_string(i), *node) +
                                    ": cannot load plugin '" + path + "': " + (why ? why : "unknown error");
        if (!allow_failed) {
          throw ConfigError(message + " (build it first, or set custom_imports.allow_failed_imports: true)");
        }
        DETSEQ_WARN("{} (skipped: allow_failed_imports is true)", message);
        continue;
      }
      loaded.insert(path);
      DETSEQ_INFO("custom_imports: loaded {}", path);
    }
    out.push_back(path);
  }
  return out;
}

}  // namespace detseq
