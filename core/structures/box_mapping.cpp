#include "core/structures/box_mapping.h"

#include <utility>

#include "core/util/error.h"

namespace detseq {
namespace {

void check_boxes(const torch::Tensor& boxes, const char* what) {
  if (!boxes.defined() || boxes.dim() != 2 || boxes.size(1) != 4) {
    throw Error(std::string(what) + ": expected boxes [N, 4], got " +
                (boxes.defined() ? c10::str(boxes.sizes()) : std::string("an undefined tensor")));
  }
}

// Orders the two edges of each axis and stacks (x1, y1, x2, y2); clamps when the bound is > 0.
torch::Tensor assemble(torch::Tensor x1, torch::Tensor y1, torch::Tensor x2, torch::Tensor y2, bool flip_x, bool flip_y,
                       EdgeOrder order, double clip_w, double clip_h) {
  if (order == EdgeOrder::kSorted) {
    auto lo_x = torch::min(x1, x2), hi_x = torch::max(x1, x2);
    auto lo_y = torch::min(y1, y2), hi_y = torch::max(y1, y2);
    x1 = lo_x, x2 = hi_x, y1 = lo_y, y2 = hi_y;
  } else {
    if (flip_x) std::swap(x1, x2);
    if (flip_y) std::swap(y1, y2);
  }
  if (clip_w > 0 && clip_h > 0) {
    x1 = x1.clamp(0, clip_w), x2 = x2.clamp(0, clip_w);
    y1 = y1.clamp(0, clip_h), y2 = y2.clamp(0, clip_h);
  }
  return torch::stack({x1, y1, x2, y2}, 1);
}

}  // namespace

torch::Tensor map_boxes(const torch::Tensor& xyxy, const AxisMap& map, double clip_w, double clip_h) {
  check_boxes(xyxy, "map_boxes");
  auto x1 = xyxy.select(1, 0) * map.sx + map.ox, x2 = xyxy.select(1, 2) * map.sx + map.ox;
  auto y1 = xyxy.select(1, 1) * map.sy + map.oy, y2 = xyxy.select(1, 3) * map.sy + map.oy;
  return assemble(x1, y1, x2, y2, map.sx < 0, map.sy < 0, EdgeOrder::kSwapOnFlip, clip_w, clip_h);
}

torch::Tensor boxes_to_original(const torch::Tensor& xyxy, const ImageMeta& meta, EdgeOrder order, bool clip) {
  check_boxes(xyxy, "boxes_to_original");
  if (meta.scale_x == 0 || meta.scale_y == 0) {
    throw Error("boxes_to_original: image " + std::to_string(meta.image_id) +
                " has a zero scale in its meta (the pipeline must fill it)");
  }
  // Division, not multiplication by the reciprocal: keeps the results bit-identical to the
  // reference post-processing the parity tests compare against.
  auto x1 = (xyxy.select(1, 0) - meta.offset_x) / meta.scale_x, x2 = (xyxy.select(1, 2) - meta.offset_x) / meta.scale_x;
  auto y1 = (xyxy.select(1, 1) - meta.offset_y) / meta.scale_y, y2 = (xyxy.select(1, 3) - meta.offset_y) / meta.scale_y;
  const bool has_size = meta.ori_width > 0 && meta.ori_height > 0;
  return assemble(x1, y1, x2, y2, meta.scale_x < 0, meta.scale_y < 0, order,
                  clip && has_size ? double(meta.ori_width) : 0, clip && has_size ? double(meta.ori_height) : 0);
}

}  // namespace detseq
