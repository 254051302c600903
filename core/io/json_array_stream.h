// Bounded-memory reading of big JSON files whose bulk is long arrays of small objects: COCO
// annotation files (train2017: 450 MB, 860k annotations with polygons) and results files.
//
// simdjson parses a whole document in memory and indexes every structural character, so a
// 450 MB file costs ~1.3 GB. Here the file is read in fixed chunks and a light scanner (strings,
// escapes and bracket depth only) cuts the elements of each wanted top-level array into batches of
// about `batch_bytes`; every batch is parsed by simdjson's DOM parser as a JSON array of its own.
// (The DOM parser dispatches to the CPU's SIMD kernels at run time; the header-only on-demand API
// would be compiled for Debian's generic x86-64 target and run simdjson's scalar fallback.)
// Memory: one chunk + one batch + simdjson's index of that batch, whatever the file size.
// Values that are not wanted are skipped by the scanner (checked only for balanced brackets).
#pragma once
#include <simdjson.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace detseq {

struct JsonArrayBatch {
  std::string_view key;             // member name in the root object; "" when the root is the array
  simdjson::dom::array items;       // the batch's elements
  size_t first_index = 0;           // index of the batch's first element in the whole array
};

struct JsonArrayStreamOptions {
  size_t chunk_bytes = size_t(1) << 20;  // read size
  size_t batch_bytes = size_t(1) << 20;  // elements are parsed in batches of about this many bytes
};

struct JsonRoot {
  bool is_object = false;         // the root is an object (else a list)
  std::vector<std::string> keys;  // the root object's member names in file order
};

// Calls on_batch for consecutive batches of every array the root holds under a key accepted by
// `wanted` (or of the root itself if it is an array and wanted("") is true). Throws detseq::Error naming the
// file for unreadable files, unbalanced or truncated JSON, a wanted member that is not a list, and
// (with the member and element index) for malformed elements. Errors thrown by on_batch pass through.
JsonRoot stream_json_arrays(const std::string& path, const std::function<bool(std::string_view)>& wanted,
                           const std::function<void(JsonArrayBatch&)>& on_batch,
                           const JsonArrayStreamOptions& options = {});

}  // namespace detseq
