// Fuzz entry: the config loader (YAML parse, _base_ merging, ${} references, typed access).
#pragma once
#include "core/config/config.h"
#include "core/config/yaml_io.h"
#include "tests/fuzz/fuzz_util.h"

namespace detseq::fuzz {

inline int fuzz_config(const uint8_t* data, size_t size) {
  const std::string path = scratch_file("config.yaml", data, size);
  return expect_clean([&] {
    Config cfg = load_config(path);
    (void)dump_yaml(cfg.root, {true});
  });
}

}  // namespace detseq::fuzz
