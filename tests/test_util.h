// Helpers shared by the test executables.
#pragma once
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace detseq::test {

// The message of the detseq::Error that `fn` throws, or "<no error>".
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

struct CommandResult {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `cmd` through the shell and returns its exit code and its output (stdout and, when the
// command redirects it, stderr).
inline CommandResult run_shell(const std::string& cmd) {
  CommandResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs the detseq binary from the repo root (configs' data paths are relative to it), with a
// time limit so a hang fails the test instead of blocking ctest. Needs `cli` in the folder's LIBS.
// `env` ("NAME=value ..." or "") is put before the command.
inline CommandResult run_detseq_env(const std::string& env, const std::string& args, int timeout_s = 600) {
  const std::string cmd = std::string("cd ") + DETSEQ_SOURCE_DIR + " && " + env + " timeout " +
                          std::to_string(timeout_s) + " " + DETSEQ_BINARY + " " + args + " 2>&1";
  return run_shell(cmd);
}
inline CommandResult run_detseq(const std::string& args, int timeout_s = 600) { return run_detseq_env("", args, timeout_s); }

// Shell words of a line: whitespace splits outside single quotes; the quotes are removed.
inline std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> words;
  std::string current;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '\'') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == ' ' || c == '\t')) {
      if (any) words.push_back(current);
      current.clear();
      any = false;
    } else {
      current.push_back(c);
      any = true;
    }
  }
  if (any) words.push_back(current);
  return words;
}

// Every `key=value` word in the ```sh blocks of docs/config.md (the documented --cfg-options).
inline std::vector<std::string> documented_cfg_options() {
  std::ifstream in(std::string(DETSEQ_SOURCE_DIR) + "/docs/config.md");
  std::vector<std::string> out;
  std::string line;
  bool in_sh = false;
  const std::regex assignment(R"(^[a-z_]+(\.[a-z0-9_]+)+=.*$)");
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      in_sh = line == "```sh";
      continue;
    }
    if (!in_sh) continue;
    for (const auto& word : shell_words(line)) {
      if (std::regex_match(word, assignment)) out.push_back(word);
    }
  }
  return out;
}

}  // namespace detseq::test
