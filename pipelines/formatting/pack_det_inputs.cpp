// PackDetInputs: the last step. HWC (uint8 or float) -> float32 CHW contiguous; values are not
// rescaled (Normalize does that). Instances and meta travel unchanged.
#include "core/interfaces/data.h"
#include "core/util/error.h"

namespace detseq {

struct PackDetInputsOptions {
  template <class V>
  void visit(V&) {}
};

class PackDetInputs : public Transform {
 public:
  explicit PackDetInputs(const PackDetInputsOptions&) {}
  bool apply(Sample& s, Rng&) override {
    if (!s.image.defined() || s.image.dim() != 3 || s.image.size(2) != 3)
      throw Error("PackDetInputs: expected an HWC image with 3 channels (is LoadImageFromFile in the pipeline?)");
    s.image = s.image.permute({2, 0, 1}).to(torch::kFloat32).contiguous();
    if (!s.instances.boxes.defined()) s.instances = Instances::empty();
    return true;
  }
};
DETSEQ_REGISTER_AS(Transform, PackDetInputs, PackDetInputsOptions, "PackDetInputs",
                   "image to float32 CHW tensor; instances and meta kept");

}  // namespace detseq
