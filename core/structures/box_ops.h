// Box conversions and overlaps on [..., 4] float tensors (differentiable; any device).
// xyxy = (x1, y1, x2, y2); cxcywh = (center x, center y, width, height).
#pragma once
#include <torch/types.h>

namespace detseq::box_ops {

torch::Tensor cxcywh_to_xyxy(const torch::Tensor& boxes);
torch::Tensor xyxy_to_cxcywh(const torch::Tensor& boxes);
torch::Tensor area(const torch::Tensor& xyxy);  // [..., 4] -> [...]; negative extents count as 0

// Pairwise IoU of a [N, 4] and b [M, 4] (xyxy) -> [N, M]. Zero-area pairs give 0, not NaN.
torch::Tensor box_iou(const torch::Tensor& a, const torch::Tensor& b);
// Pairwise generalized IoU (Rezatofighi et al.) -> [N, M], in [-1, 1].
torch::Tensor generalized_box_iou(const torch::Tensor& a, const torch::Tensor& b);
// Row-wise GIoU of aligned a [N, 4] and b [N, 4] -> [N].
torch::Tensor generalized_box_iou_aligned(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace detseq::box_ops
