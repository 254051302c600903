// The COCO data model as plain structs: what datasets hand to the COCO metric as ground truth
// (COCO JSON as is; VOC and YOLO converted on the fly) and what results files hold.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/structures/segmentation.h"

namespace detseq {

struct CocoImage {
  int64_t id = 0;
  int64_t width = 0, height = 0;
  std::string file_name;
};

struct CocoAnnotation {
  int64_t id = 0;
  int64_t image_id = 0;
  int64_t category_id = 0;
  std::array<double, 4> bbox{};  // x, y, w, h in pixels
  double area = 0;               // COCO's area (segmentation area), used for size ranges
  bool iscrowd = false;
  bool ignore = false;           // extra ignore flag some datasets carry (treated like pycocotools)
};

struct CocoCategory {
  int64_t id = 0;
  std::string name;
};

struct CocoGroundTruth {
  std::vector<CocoImage> images;
  std::vector<CocoAnnotation> annotations;
  std::vector<CocoCategory> categories;
  // Parallel to `annotations` when read with segmentations (instance masks), else empty: the
  // polygons are most of a COCO file and box-only training never needs them.
  std::vector<Segmentation> segmentations;
};

// One detection in a COCO results file.
struct CocoResult {
  int64_t image_id = 0;
  int64_t category_id = 0;
  std::array<double, 4> bbox{};  // x, y, w, h
  double score = 0;
};

}  // namespace detseq
