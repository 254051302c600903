// Merging detections of one image from several predictions (test-time augmentation views, model
// ensembles): class-aware NMS over their union, as mmdet's DetTTAModel, or weighted box fusion
// (Solovyev et al., "Weighted boxes fusion", 2021), which averages overlapping boxes instead of
// keeping one. Both return at most `max_per_img` detections, best score first.
#pragma once
#include <vector>

#include "core/structures/detections.h"

namespace detseq {

// Concatenates the predictions (same image) and keeps, per label, the boxes no higher-scored box
// of that label overlaps with IoU > iou_threshold (mmcv's batched_nms). Ties keep the earlier view.
Detections merge_by_nms(const std::vector<Detections>& predictions, double iou_threshold, int64_t max_per_img);

// Weighted box fusion: per label, boxes in descending score join the first-best fused box they
// overlap with IoU > iou_threshold (else start one); a fused box is the score-weighted mean of its
// members, its score their mean times min(members, views) / views, so a box only one view of
// several found is down-weighted. `skip_box_thr` drops boxes scored below it first.
Detections merge_by_wbf(const std::vector<Detections>& predictions, double iou_threshold, int64_t max_per_img,
                        double skip_box_thr = 0.0);

}  // namespace detseq
