// Fuzz entry: the checkpoint reader (zip directory + CRC, pickle VM, tensor rebuilds) and the walks
// that follow a read (clone, state-dict flattening, re-serialization).
#pragma once
#include "core/io/checkpoint.h"
#include "core/io/state_dict.h"
#include "tests/fuzz/fuzz_util.h"

namespace detseq::fuzz {

inline int fuzz_checkpoint(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  return expect_clean([&] {
    const io::Value v = io::read_checkpoint_bytes(bytes, "fuzz.pth");
    const io::Value copy = v.clone();
    (void)io::flatten_tensors(copy);
    (void)io::serialize_checkpoint(copy);
  });
}

}  // namespace detseq::fuzz
