// Shared main() of every test executable. ctest runs each test as its own process, two at a time:
// a private temp folder per process (TMPDIR) keeps tests that use fixed file names from racing.
// Expensive reference files that may be shared across processes go under DETSEQ_TEST_CACHE.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path shared = fs::temp_directory_path();
  setenv("DETSEQ_TEST_CACHE", shared.c_str(), /*overwrite=*/0);
  const fs::path mine = shared / ("detseq_test_" + std::to_string(::getpid()));
  fs::create_directories(mine);
  setenv("TMPDIR", mine.c_str(), 1);
  testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  std::error_code ec;
  fs::remove_all(mine, ec);
  return rc;
}
