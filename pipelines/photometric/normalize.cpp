// Normalize: (x - mean) / std per channel, x in 0..255 units; the result is float32 HWC. Pix2Seq's
// official [0, 1] scaling is mean [0, 0, 0], std [255, 255, 255].
#include "pipelines/photometric/normalize.h"

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/image_tensor.h"

namespace detseq {

class Normalize : public Transform {
 public:
  explicit Normalize(const NormalizeOptions& o) : o_(o) {
    if (o.mean.size() != 3 || o.std.size() != 3) throw ConfigError("Normalize: mean and std need 3 values (R, G, B)");
  }
  bool apply(Sample& s, Rng&) override {
    const cv::Mat src = pipe::mat_view(s.image);
    cv::Mat dst(src.rows, src.cols, CV_32FC3);
    // One pass x * scale + shift (scale = 1/std, shift = -mean/std): a third of the memory
    // traffic of convert, subtract, multiply; this is the hottest step of the train pipeline.
    const float scale[3] = {float(1 / o_.std[0]), float(1 / o_.std[1]), float(1 / o_.std[2])};
    const float shift[3] = {float(-o_.mean[0] / o_.std[0]), float(-o_.mean[1] / o_.std[1]), float(-o_.mean[2] / o_.std[2])};
    if (src.depth() == CV_8U)
      affine_per_channel<uint8_t>(src, dst, scale, shift);
    else
      affine_per_channel<float>(src, dst, scale, shift);
    s.image = pipe::tensor_from_mat(dst);
    return true;
  }

 private:
  template <class T>
  static void affine_per_channel(const cv::Mat& src, cv::Mat& dst, const float* scale, const float* shift) {
    for (int y = 0; y < src.rows; ++y) {
      const T* in = src.ptr<T>(y);
      float* out = dst.ptr<float>(y);
      for (int x = 0; x < src.cols; ++x, in += 3, out += 3) {
        out[0] = float(in[0]) * scale[0] + shift[0];
        out[1] = float(in[1]) * scale[1] + shift[1];
        out[2] = float(in[2]) * scale[2] + shift[2];
      }
    }
  }

  NormalizeOptions o_;
};
DETSEQ_REGISTER_AS(Transform, Normalize, NormalizeOptions, "Normalize", "(x - mean) / std per channel -> float32");

}  // namespace detseq
