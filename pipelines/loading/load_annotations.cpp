// LoadAnnotations: datasets parse every annotation once at start-up (a 450 MB JSON must not be
// re-read per sample) and attach them to the sample; this step decides which of them the rest of
// the pipeline sees, like mmdetection's with_bbox/with_label switches, and checks that the boxes
// fit the decoded image (annotation files that disagree with their images are bad samples).
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/geometry.h"
#include "pipelines/common/masks.h"

namespace detseq {

struct LoadAnnotationsOptions {
  bool with_bbox = true;
  bool with_label = true;
  bool with_crowd = true;
  bool with_mask = false;
  double size_tolerance = 1.0;
  template <class V>
  void visit(V& v) {
    v("with_bbox", with_bbox, "attach the boxes (false: the sample has no instances, e.g. inference)");
    v("with_label", with_label, "attach labels (false requires with_bbox false too: boxes need labels)");
    v("with_crowd", with_crowd, "keep crowd / difficult boxes as ignore regions (false drops them)");
    v("with_mask", with_mask, "rasterise instance masks from COCO polygons / RLE (uint8 [N, H, W], moved with the image)");
    v("size_tolerance", size_tolerance, "boxes may exceed the decoded image by this many px before it is an error");
  }
};

class LoadAnnotations : public Transform {
 public:
  explicit LoadAnnotations(const LoadAnnotationsOptions& o) : o_(o) {
    if (o.with_bbox && !o.with_label)
      throw ConfigError("LoadAnnotations: with_label: false needs with_bbox: false (every box carries a label)");
  }

  bool apply(Sample& sample, Rng&) override {
    if (!o_.with_bbox) {
      sample.instances = Instances::empty();
      sample.segmentations.clear();
      return true;
    }
    Instances& inst = sample.instances;
    if (!inst.boxes.defined()) inst = Instances::empty();
    if (o_.with_mask) {
      if (sample.segmentations.size() != static_cast<size_t>(inst.size()) || !sample.image.defined())
        throw Error("LoadAnnotations with_mask: the sample has no instance outlines (only CocoDataset reads 'segmentation'), "
                    "or LoadImageFromFile did not run first");
      inst.masks = pipe::rasterize_masks(sample.segmentations, sample.meta, pipe::image_height(sample), pipe::image_width(sample));
    }
    sample.segmentations.clear();  // rasterised or not wanted: nothing downstream reads them
    if (!o_.with_crowd && inst.size() > 0) inst = inst.targets();
    if (inst.size() > 0 && sample.image.defined()) {
      // Before any geometric step the boxes are in decoded-image pixels.
      const double w = static_cast<double>(sample.meta.img_width), h = static_cast<double>(sample.meta.img_height);
      auto b = inst.boxes;
      const double max_x = std::max(b.select(1, 0).max().item<double>(), b.select(1, 2).max().item<double>());
      const double max_y = std::max(b.select(1, 1).max().item<double>(), b.select(1, 3).max().item<double>());
      if (max_x > w + o_.size_tolerance || max_y > h + o_.size_tolerance) {
        throw Error(sample.meta.file_path + ": annotation boxes reach (" + std::to_string(max_x) + ", " +
                    std::to_string(max_y) + ") but the image is " + std::to_string(int64_t(w)) + "x" +
                    std::to_string(int64_t(h)) + " (annotation file does not match the image)");
      }
      inst.boxes = torch::stack({b.select(1, 0).clamp(0, w), b.select(1, 1).clamp(0, h), b.select(1, 2).clamp(0, w),
                                 b.select(1, 3).clamp(0, h)},
                                1);
    }
    return true;
  }

 private:
  LoadAnnotationsOptions o_;
};

DETSEQ_REGISTER_AS(Transform, LoadAnnotations, LoadAnnotationsOptions, "LoadAnnotations",
                   "choose which parsed annotations reach the pipeline and check them against the image");

}  // namespace detseq
