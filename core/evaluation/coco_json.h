// COCO JSON files: annotation files (ground truth) and results files (detections), read with
// simdjson (annotation files reach hundreds of MB) and written with nlohmann_json.
#pragma once
#include <string>
#include <vector>

#include "core/structures/coco_types.h"

namespace detseq {
struct JsonArrayStreamOptions;
}

namespace detseq::coco {

// Reads images, annotations (bbox, area, iscrowd, optional ignore) and categories; other keys are
// skipped, and so is `segmentation` unless `with_segmentation` (then gt.segmentations holds one
// entry per annotation: polygons, or RLE with compressed strings decoded; empty if absent).
// An annotation without `area` gets its box area w*h.
// `stream` overrides the read/batch sizes (tests and fuzzing use tiny ones to cross boundaries).
CocoGroundTruth load_ground_truth(const std::string& path, bool with_segmentation = false,
                                  const JsonArrayStreamOptions* stream = nullptr);

// Reads a results file: a JSON list of {image_id, category_id, bbox: [x, y, w, h], score}.
std::vector<CocoResult> load_results(const std::string& path, const JsonArrayStreamOptions* stream = nullptr);

// Writes a results file (atomically: temp file + rename); doubles keep full precision.
void write_results(const std::string& path, const std::vector<CocoResult>& results);

}  // namespace detseq::coco
