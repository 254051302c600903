// User-facing errors. Every message is one line that names the file, the key, what was expected
// and, where possible, a suggestion. The CLI prints what() and exits non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace detseq {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An error from config parsing, merging or typed access.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// An error raised while building a component; already carries the config path of the component
// that failed, so outer builders pass it through unchanged.
class BuildError : public Error {
 public:
  using Error::Error;
};

}  // namespace detseq
