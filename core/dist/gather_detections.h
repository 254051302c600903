// Test-time predictions of every rank on rank 0, for `detseq test --out` under tools/dist_test.sh.
#pragma once
#include <cstdint>
#include <vector>

#include "core/structures/detections.h"

namespace detseq::dist {

// Collective: every rank calls it with the detections of its shard. Rank 0 gets every rank's, each
// image once (the padding repeats that even out the shards are dropped) and ordered by
// `image_order` (dataset order of the image ids; ids not in it go last); other ranks get {}.
// Single-process: `mine` unchanged.
std::vector<Detections> gather_detections(const std::vector<Detections>& mine,
                                          const std::vector<int64_t>& image_order);

}  // namespace detseq::dist
