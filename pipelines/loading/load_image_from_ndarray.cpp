// LoadImageFromNDArray (mmdet's): the sample already holds its image (a video frame, an image from
// memory) as uint8 [H, W, 3] RGB; this step only sets the meta LoadImageFromFile would, so that a
// test pipeline can start from frames instead of files.
#include "core/interfaces/data.h"
#include "core/util/error.h"

namespace detseq {
namespace {

struct LoadImageFromNDArrayOptions {
  template <class V>
  void visit(V&) {}
};

class LoadImageFromNDArray : public Transform {
 public:
  explicit LoadImageFromNDArray(const LoadImageFromNDArrayOptions&) {}
  bool apply(Sample& sample, Rng&) override {
    const torch::Tensor& image = sample.image;
    if (!image.defined() || image.dim() != 3 || image.size(2) != 3 || image.scalar_type() != torch::kUInt8)
      throw Error("LoadImageFromNDArray: the sample needs its image as uint8 [H, W, 3] RGB, got " +
                  (image.defined() ? c10::str(image.sizes(), " ", image.scalar_type()) : std::string("none")));
    auto& m = sample.meta;
    m.ori_height = m.img_height = m.pad_height = image.size(0);
    m.ori_width = m.img_width = m.pad_width = image.size(1);
    m.scale_x = m.scale_y = 1.0;
    m.offset_x = m.offset_y = 0.0;
    m.flipped = false;
    return true;
  }
};

}  // namespace

DETSEQ_REGISTER_AS(Transform, LoadImageFromNDArray, LoadImageFromNDArrayOptions, "LoadImageFromNDArray",
                   "the sample's in-memory uint8 HWC RGB image (video frames): sets the meta LoadImageFromFile would");

}  // namespace detseq
