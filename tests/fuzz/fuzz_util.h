// Shared by the fuzz entry points (tests/fuzz/fuzz_*.h): each takes arbitrary bytes, runs one
// reader on them and lets only detseq::Error through as the expected outcome. Anything else (a
// crash, a sanitizer report, std::bad_alloc, a raw library exception) is a finding.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/util/error.h"

namespace detseq::fuzz {

// A per-process scratch file for readers that take a path.
inline std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const auto dir = std::filesystem::temp_directory_path() / ("detseq_fuzz_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
  return path;
}

// What a finding other than a crash does: abort under libFuzzer (so it is recorded as a crash);
// the ctest replay (test_fuzz_inputs.cpp) reports a test failure instead.
inline void (*on_finding)(const std::string& what) = [](const std::string&) { std::abort(); };

// Runs `body`; a detseq::Error must be one line (the CLI prints it as the whole message).
template <class F>
int expect_clean(F&& body) {
  try {
    body();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.find('\n') != std::string::npos) on_finding("multi-line error message: " + what);
  }
  return 0;
}

}  // namespace detseq::fuzz
