// Streaming reader of COCO instances JSON (simdjson on-demand): one pass, segmentation polygons
// skipped without being materialised, so a 450 MB train2017 file needs the file's bytes plus a
// few compact arrays. Structural problems are one-line errors naming the file and the element.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/structures/coco_types.h"

namespace detseq {

struct CocoFile {
  std::vector<CocoImage> images;
  std::vector<CocoAnnotation> annotations;
  std::vector<CocoCategory> categories;
};

// Throws detseq::Error for unreadable or malformed files (missing keys, wrong types).
CocoFile read_coco_json(const std::string& path);

}  // namespace detseq
