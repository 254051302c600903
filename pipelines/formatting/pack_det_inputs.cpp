// PackDetInputs: the last step. HWC (uint8 or float) -> float32 CHW contiguous; values are not
// rescaled (Normalize does that). Instances and meta travel unchanged.
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/image_tensor.h"

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
    // cv::split writes the three planes straight into the CHW tensor: one vectorised pass,
    // several times faster than a strided permute().contiguous() copy.
    cv::Mat hwc = pipe::mat_view(s.image);
    if (hwc.depth() != CV_32F) hwc.convertTo(hwc, CV_32FC3);
    torch::Tensor chw = torch::empty({3, hwc.rows, hwc.cols}, torch::kFloat32);
    std::vector<cv::Mat> planes;
    for (int64_t c = 0; c < 3; ++c) planes.emplace_back(hwc.rows, hwc.cols, CV_32FC1, chw[c].data_ptr<float>());
    cv::split(hwc, planes);
    s.image = chw;
    if (!s.instances.boxes.defined()) s.instances = Instances::empty();
    return true;
  }
};
DETSEQ_REGISTER_AS(Transform, PackDetInputs, PackDetInputsOptions, "PackDetInputs",
                   "image to float32 CHW tensor; instances and meta kept");

}  // namespace detseq
