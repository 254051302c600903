// TestTimeAug (mmcv's): every combination of the given alternatives becomes one view of the image.
// `transforms` is a list of stages, each a list of alternatives (a transform map, or a list of them
// run in order); the views are the cartesian product, first stage slowest:
//   transforms: [[{Resize 112}, {Resize 128}], [{RandomFlip prob 1}, {RandomFlip prob 0}], [{PackDetInputs}]]
// gives 4 views (112 flipped, 112, 128 flipped, 128). The sample keeps view 0's fields, so code that
// reads one view sees a normal sample, and holds every view in Sample::views for collate and the TTA
// model (DetTTAModel). It must be the pipeline's last step (Compose checks).
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/compose.h"

namespace detseq {
namespace {

struct TestTimeAugOptions {
  std::vector<ComponentCfg> transforms;
  template <class V>
  void visit(V& v) {
    v.required("transforms", transforms,
               "stages, each a list of alternatives (a transform or a list of them); one view per combination");
  }
};

// Each view gets its own tensors, so a transform that writes in place cannot leak into another view.
Sample clone_for_view(const Sample& s) {
  Sample out = s;
  if (s.image.defined()) out.image = s.image.clone();
  Instances& inst = out.instances;
  if (inst.boxes.defined()) inst.boxes = inst.boxes.clone();
  if (inst.labels.defined()) inst.labels = inst.labels.clone();
  if (inst.ignore.defined()) inst.ignore = inst.ignore.clone();
  if (inst.masks.defined()) inst.masks = inst.masks.clone();
  return out;
}

class TestTimeAug : public Transform {
 public:
  explicit TestTimeAug(const TestTimeAugOptions& o) {
    if (o.transforms.empty()) throw ConfigError("TestTimeAug: transforms must list at least one stage");
    std::vector<std::vector<std::shared_ptr<Compose>>> stages;
    for (const ComponentCfg& stage : o.transforms) {
      if (!stage.node.is_sequence() || stage.node.size() == 0) {
        throw ConfigError(describe_location(stage.path, stage.node) +
                          ": a TestTimeAug stage is a non-empty list of alternatives, e.g. [{type: RandomFlip, "
                          "prob: 1.0}, {type: RandomFlip, prob: 0.0}]");
      }
      std::vector<std::shared_ptr<Compose>> alternatives;
      for (size_t j = 0; j < stage.node.size(); ++j) {
        alternatives.push_back(
            std::make_shared<Compose>(Compose::from_node(stage.node[j], stage.path + "." + std::to_string(j))));
      }
      stages.push_back(std::move(alternatives));
    }
    // Cartesian product, first stage slowest (itertools.product's order, as mmcv).
    views_ = {{}};
    for (const auto& alternatives : stages) {
      std::vector<std::vector<std::shared_ptr<Compose>>> next;
      for (const auto& prefix : views_) {
        for (const auto& alt : alternatives) {
          next.push_back(prefix);
          next.back().push_back(alt);
        }
      }
      views_ = std::move(next);
    }
  }

  bool apply(Sample& s, Rng& rng) override {
    if (!s.views.empty()) throw Error("TestTimeAug: " + s.meta.file_path + " already has views (nested TestTimeAug)");
    std::vector<Sample> views;
    views.reserve(views_.size());
    for (size_t v = 0; v < views_.size(); ++v) {
      Sample view = clone_for_view(s);
      Rng view_rng = rng;  // every view sees the same random stream: views differ only by their transforms
      for (const auto& stage : views_[v]) {
        if (!stage->apply(view, view_rng)) {
          throw Error("TestTimeAug: view " + std::to_string(v) + " of " + s.meta.file_path +
                      " was dropped by its transforms; test-time views must keep every image");
        }
      }
      if (!view.views.empty()) throw Error("TestTimeAug: a view of " + s.meta.file_path + " made views of its own");
      views.push_back(std::move(view));
    }
    Sample first = views.front();
    first.views = std::move(views);
    s = std::move(first);
    return true;
  }

 private:
  std::vector<std::vector<std::shared_ptr<Compose>>> views_;  // per view: its stage alternatives in order
};

}  // namespace

DETSEQ_REGISTER_AS(Transform, TestTimeAug, TestTimeAugOptions, "TestTimeAug",
                   "test-time augmentation: one view per combination of the stages' alternatives");

}  // namespace detseq
