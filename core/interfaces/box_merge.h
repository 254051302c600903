// BoxMerge: one image's detections from several predictions (test-time augmentation views, an
// ensemble) -> one set. `tta_cfg.nms` of DetTTAModel names one: `nms` (mmdet's), `wbf` (weighted
// box fusion). Implementations: core/structures/detection_merge.cpp.
#pragma once
#include <vector>

#include "core/registry/registry.h"
#include "core/structures/detections.h"

namespace detseq {

class BoxMerge {
 public:
  virtual ~BoxMerge() = default;
  // The merged detections, best score first, at most max_per_img.
  virtual Detections merge(const std::vector<Detections>& predictions, int64_t max_per_img) const = 0;
};

DETSEQ_DECLARE_FAMILY(BoxMerge, "box_merge", "several predictions of one image -> one set (TTA: nms, wbf)");

}  // namespace detseq
