// Fuzz entry: the COCO JSON readers (streaming root scanner + simdjson batches, annotations with
// segmentations, results files).
#pragma once
#include "core/evaluation/coco_json.h"
#include "core/io/json_array_stream.h"
#include "tests/fuzz/fuzz_util.h"

namespace detseq::fuzz {

inline int fuzz_coco_json(const uint8_t* data, size_t size) {
  const std::string path = scratch_file("coco.json", data, size);
  // Small reads and batches: elements cross chunk and batch boundaries, and no megabyte buffers
  // per input slow the sanitizers down.
  JsonArrayStreamOptions stream;
  stream.chunk_bytes = 61;
  stream.batch_bytes = 256;
  expect_clean([&] { (void)coco::load_ground_truth(path, /*with_segmentation=*/true, &stream); });
  return expect_clean([&] { (void)coco::load_results(path, &stream); });
}

}  // namespace detseq::fuzz
