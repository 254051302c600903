// Small hand-made COCO cases shared by the evaluation tests. Expected values were worked out by
// hand and cross-checked against pycocotools (see docs/evaluation.md).
#pragma once
#include <string>
#include <vector>

#include "core/structures/coco_types.h"

namespace detseq::testing {

inline CocoImage image(int64_t id) { return {id, 640, 480, std::to_string(id) + ".jpg"}; }

inline CocoAnnotation ann(int64_t id, int64_t img, int64_t cat, std::array<double, 4> b, double area = -1,
                          bool crowd = false) {
  CocoAnnotation a;
  a.id = id;
  a.image_id = img;
  a.category_id = cat;
  a.bbox = b;
  a.area = area >= 0 ? area : b[2] * b[3];
  a.iscrowd = crowd;
  return a;
}

inline CocoResult det(int64_t img, int64_t cat, std::array<double, 4> b, double score) {
  return {img, cat, b, score};
}

inline std::vector<CocoCategory> cats(std::vector<int64_t> ids) {
  std::vector<CocoCategory> out;
  for (int64_t id : ids) out.push_back({id, "c" + std::to_string(id)});
  return out;
}

}  // namespace detseq::testing
