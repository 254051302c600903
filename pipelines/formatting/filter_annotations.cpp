// FilterAnnotations: removes boxes smaller than min_gt_bbox_wh; with keep_empty (mmdetection's
// name and meaning) the sample is dropped when no training target is left.
#include "core/interfaces/data.h"
#include "core/util/error.h"

namespace detseq {

struct FilterAnnotationsOptions {
  std::vector<double> min_gt_bbox_wh{1.0, 1.0};
  bool keep_empty = true;
  template <class V>
  void visit(V& v) {
    v("min_gt_bbox_wh", min_gt_bbox_wh, "[w, h]: boxes narrower or lower than this are removed");
    v("keep_empty", keep_empty, "mmdet semantics: true drops the sample when no target box is left");
  }
};

class FilterAnnotations : public Transform {
 public:
  explicit FilterAnnotations(const FilterAnnotationsOptions& o) : o_(o) {
    if (o.min_gt_bbox_wh.size() != 2) throw ConfigError("FilterAnnotations: min_gt_bbox_wh must be [w, h]");
  }
  bool apply(Sample& s, Rng&) override {
    Instances& inst = s.instances;
    if (inst.size() > 0) {
      auto w = inst.boxes.select(1, 2) - inst.boxes.select(1, 0);
      auto h = inst.boxes.select(1, 3) - inst.boxes.select(1, 1);
      auto keep = (w >= o_.min_gt_bbox_wh[0]) & (h >= o_.min_gt_bbox_wh[1]);
      if (!keep.all().item<bool>()) inst = inst.select(keep);
    }
    if (o_.keep_empty && (inst.size() == 0 || inst.targets().size() == 0)) return false;
    return true;
  }

 private:
  FilterAnnotationsOptions o_;
};
DETSEQ_REGISTER_AS(Transform, FilterAnnotations, FilterAnnotationsOptions, "FilterAnnotations",
                   "drop small boxes; optionally drop samples left without targets");

}  // namespace detseq
