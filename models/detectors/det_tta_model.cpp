// DetTTAModel (mmdet's): test-time augmentation around any detector. The data pipeline ends with
// TestTimeAug, so each batch carries its views (Batch::views); the wrapped detector predicts every
// view (its predictions come back in original pixels through each view's meta, flips and scales
// included) and each image's detections of all views are merged by a box_merge component: class-
// aware NMS as mmdet does (`nms`) or weighted box fusion (`wbf`). `detseq test --tta` builds it
// from the config's `tta_model` with the config's `model` as `module`. Checkpoints load into the wrapped detector under its own key names.
#include "core/interfaces/box_merge.h"
#include "core/interfaces/model.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct TTACfg {
  ComponentCfg nms = ComponentCfg::of("nms");
  int64_t max_per_img = 100;
  template <class V>
  void visit(V& v) {
    v("nms", nms, "how the views' detections merge: {type: nms, iou_threshold: 0.5} (mmdet) or {type: wbf}");
    v("max_per_img", max_per_img, "detections kept per image after merging").positive();
  }
};

struct DetTTAModelOptions {
  ComponentCfg module;
  TTACfg tta_cfg;
  template <class V>
  void visit(V& v) {
    v.required("module", module, "the detector that predicts each view (`detseq test --tta` sets it to `model`)");
    v("tta_cfg", tta_cfg, "how the views' detections are merged");
  }
};

class DetTTAModel : public Detector {
 public:
  explicit DetTTAModel(const DetTTAModelOptions& o) : max_per_img_(o.tta_cfg.max_per_img) {
    module_ = register_module("module", build<Detector>(o.module));
    merge_ = build<BoxMerge>(o.tta_cfg.nms);
  }

  LossDict loss(const Batch&) override {
    throw Error("DetTTAModel only predicts (test-time augmentation); train the detector itself, not tta_model");
  }

  std::vector<Detections> predict(const Batch& batch) override {
    if (batch.views.empty()) {
      throw Error(
          "DetTTAModel: the batch has no test-time views; end the test pipeline with TestTimeAug "
          "(`detseq test --tta` uses the config's tta_pipeline)");
    }
    std::vector<std::vector<Detections>> per_view;
    per_view.reserve(batch.views.size());
    for (const Batch& view : batch.views) {
      per_view.push_back(module_->predict(view));
      if (per_view.back().size() != static_cast<size_t>(batch.size())) {
        throw Error("DetTTAModel: a view gave " + std::to_string(per_view.back().size()) + " predictions for " +
                    std::to_string(batch.size()) + " images");
      }
    }
    std::vector<Detections> merged;
    merged.reserve(batch.size());
    for (int64_t i = 0; i < batch.size(); ++i) {
      std::vector<Detections> views;
      for (auto& dets : per_view) views.push_back(std::move(dets[i]));
      merged.push_back(merge_->merge(views, max_per_img_));
    }
    return merged;
  }

  int64_t num_classes() const override { return module_->num_classes(); }
  torch::nn::Module& checkpoint_module() override { return module_->checkpoint_module(); }

 private:
  int64_t max_per_img_;
  std::shared_ptr<Detector> module_;
  std::shared_ptr<BoxMerge> merge_;
};

}  // namespace

DETSEQ_REGISTER_AS(Detector, DetTTAModel, DetTTAModelOptions, "DetTTAModel",
                   "test-time augmentation: predicts each TestTimeAug view with `module`, merges by NMS or WBF");

}  // namespace detseq
