// Normalize: (x - mean) / std per channel, x in 0..255 units; the result is float32 HWC. Pix2Seq's
// official [0, 1] scaling is mean [0, 0, 0], std [255, 255, 255].
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/image_tensor.h"

namespace detseq {

struct NormalizeOptions {
  std::vector<double> mean{123.675, 116.28, 103.53};
  std::vector<double> std{58.395, 57.12, 57.375};
  template <class V>
  void visit(V& v) {
    v("mean", mean, "per-channel mean (RGB, 0..255 units)");
    v("std", std, "per-channel std (RGB, 0..255 units); [255, 255, 255] with mean 0 gives [0, 1]");
  }
};

class Normalize : public Transform {
 public:
  explicit Normalize(const NormalizeOptions& o) : o_(o) {
    if (o.mean.size() != 3 || o.std.size() != 3) throw ConfigError("Normalize: mean and std need 3 values (R, G, B)");
    for (double v : o.std)
      if (v <= 0) throw ConfigError("Normalize: std values must be positive");
  }
  bool apply(Sample& s, Rng&) override {
    cv::Mat img;
    pipe::mat_view(s.image).convertTo(img, CV_32FC3);
    cv::subtract(img, cv::Scalar(o_.mean[0], o_.mean[1], o_.mean[2]), img);
    cv::multiply(img, cv::Scalar(1 / o_.std[0], 1 / o_.std[1], 1 / o_.std[2]), img);
    s.image = pipe::tensor_from_mat(img);
    return true;
  }

 private:
  NormalizeOptions o_;
};
DETSEQ_REGISTER_AS(Transform, Normalize, NormalizeOptions, "Normalize", "(x - mean) / std per channel -> float32");

}  // namespace detseq
