// Collate: stacks packed samples (float CHW) into one batch, padding bottom/right to the largest
// height and width with `pad_value`; the mask is true on every padded pixel, including padding a
// Pad transform added (pixels beyond meta.img_width/img_height).
#pragma once
#include <vector>

#include "core/structures/sample.h"

namespace detseq {

Batch collate(std::vector<Sample>& samples, double pad_value = 0.0, int64_t size_divisor = 1);

}  // namespace detseq
