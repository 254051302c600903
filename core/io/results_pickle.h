// `detseq test --out results.pkl`: per-image predictions in mmdetection 3.x's DumpDetResults
// layout, a plain pickle that Python reads with pickle.load / mmengine.load:
//
//   [{'img_id': 42, 'ori_shape': (480, 640),
//     'pred_instances': {'bboxes': tensor float32 (N, 4) xyxy original pixels,
//                        'scores': tensor float32 (N,), 'labels': tensor int64 (N,)}}, ...]
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/structures/detections.h"

namespace detseq::io {

struct DetResultRecord {
  int64_t img_id = -1;
  int64_t ori_height = 0, ori_width = 0;
  Detections detections;  // boxes [N, 4], scores [N], labels [N]; undefined tensors mean N = 0
};

// Writes the list atomically (temp file + rename). Inconsistent detections (boxes not [N, 4],
// scores or labels not N long) are detseq::Error naming the image.
void write_results_pickle(const std::string& path, const std::vector<DetResultRecord>& records);

}  // namespace detseq::io
