#include "core/structures/box_ops.h"

#include "core/util/error.h"

namespace detseq::box_ops {
namespace {

void check_boxes(const torch::Tensor& boxes, const char* what) {
  if (!boxes.defined() || boxes.dim() < 1 || boxes.size(-1) != 4) {
    throw Error(std::string("box_ops::") + what + ": expected boxes [..., 4], got " +
                (boxes.defined() ? c10::str(boxes.sizes()) : std::string("an undefined tensor")));
  }
}

// Eps keeps empty boxes (union 0) finite; it changes no non-degenerate value in float32 noticeably.
constexpr double kEps = 1e-12;

}  // namespace

torch::Tensor cxcywh_to_xyxy(const torch::Tensor& boxes) {
  check_boxes(boxes, "cxcywh_to_xyxy");
  auto c = boxes.unbind(-1);
  return torch::stack({c[0] - 0.5 * c[2], c[1] - 0.5 * c[3], c[0] + 0.5 * c[2], c[1] + 0.5 * c[3]}, -1);
}

torch::Tensor xyxy_to_cxcywh(const torch::Tensor& boxes) {
  check_boxes(boxes, "xyxy_to_cxcywh");
  auto c = boxes.unbind(-1);
  return torch::stack({(c[0] + c[2]) / 2, (c[1] + c[3]) / 2, c[2] - c[0], c[3] - c[1]}, -1);
}

torch::Tensor area(const torch::Tensor& xyxy) {
  check_boxes(xyxy, "area");
  auto c = xyxy.unbind(-1);
  return (c[2] - c[0]).clamp_min(0) * (c[3] - c[1]).clamp_min(0);
}

namespace {
// Intersection and union of every pair, [N, M] each.
std::pair<torch::Tensor, torch::Tensor> inter_union(const torch::Tensor& a, const torch::Tensor& b) {
  auto lt = torch::max(a.unsqueeze(1).narrow(-1, 0, 2), b.unsqueeze(0).narrow(-1, 0, 2));
  auto rb = torch::min(a.unsqueeze(1).narrow(-1, 2, 2), b.unsqueeze(0).narrow(-1, 2, 2));
  auto wh = (rb - lt).clamp_min(0);
  auto inter = wh.select(-1, 0) * wh.select(-1, 1);
  auto uni = area(a).unsqueeze(1) + area(b).unsqueeze(0) - inter;
  return {inter, uni};
}
}  // namespace

torch::Tensor box_iou(const torch::Tensor& a, const torch::Tensor& b) {
  check_boxes(a, "box_iou");
  check_boxes(b, "box_iou");
  auto [inter, uni] = inter_union(a, b);
  return inter / uni.clamp_min(kEps);
}

torch::Tensor generalized_box_iou(const torch::Tensor& a, const torch::Tensor& b) {
  check_boxes(a, "generalized_box_iou");
  check_boxes(b, "generalized_box_iou");
  auto [inter, uni] = inter_union(a, b);
  auto iou = inter / uni.clamp_min(kEps);
  auto lt = torch::min(a.unsqueeze(1).narrow(-1, 0, 2), b.unsqueeze(0).narrow(-1, 0, 2));
  auto rb = torch::max(a.unsqueeze(1).narrow(-1, 2, 2), b.unsqueeze(0).narrow(-1, 2, 2));
  auto wh = (rb - lt).clamp_min(0);
  auto enclosing = wh.select(-1, 0) * wh.select(-1, 1);
  return iou - (enclosing - uni) / enclosing.clamp_min(kEps);
}

torch::Tensor generalized_box_iou_aligned(const torch::Tensor& a, const torch::Tensor& b) {
  check_boxes(a, "generalized_box_iou_aligned");
  check_boxes(b, "generalized_box_iou_aligned");
  if (a.sizes() != b.sizes()) {
    throw Error("box_ops::generalized_box_iou_aligned: shapes differ: " + c10::str(a.sizes()) + " vs " +
                c10::str(b.sizes()));
  }
  auto lt = torch::max(a.narrow(-1, 0, 2), b.narrow(-1, 0, 2));
  auto rb = torch::min(a.narrow(-1, 2, 2), b.narrow(-1, 2, 2));
  auto wh = (rb - lt).clamp_min(0);
  auto inter = wh.select(-1, 0) * wh.select(-1, 1);
  auto uni = area(a) + area(b) - inter;
  auto elt = torch::min(a.narrow(-1, 0, 2), b.narrow(-1, 0, 2));
  auto erb = torch::max(a.narrow(-1, 2, 2), b.narrow(-1, 2, 2));
  auto ewh = (erb - elt).clamp_min(0);
  auto enclosing = ewh.select(-1, 0) * ewh.select(-1, 1);
  return inter / uni.clamp_min(kEps) - (enclosing - uni) / enclosing.clamp_min(kEps);
}

}  // namespace detseq::box_ops
