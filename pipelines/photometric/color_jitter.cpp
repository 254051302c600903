// ColorJitter (torchvision semantics: factors drawn from [max(0, 1-x), 1+x], hue from [-h, h],
// the four adjustments in random order) and PhotoMetricDistortion (mmdetection's SSD-style
// distortion, each step with probability 0.5, computed in float without intermediate clipping).
#include <algorithm>
#include <array>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/image_tensor.h"
#include "pipelines/photometric/color_ops.h"

namespace detseq {

struct ColorJitterOptions {
  double brightness = 0, contrast = 0, saturation = 0, hue = 0;
  template <class V>
  void visit(V& v) {
    v("brightness", brightness, "factor drawn from [max(0, 1-b), 1+b]").non_negative();
    v("contrast", contrast, "factor drawn from [max(0, 1-c), 1+c]").non_negative();
    v("saturation", saturation, "factor drawn from [max(0, 1-s), 1+s]").non_negative();
    v("hue", hue, "hue shift drawn from [-h, h] turns").range(0.0, 0.5);
  }
};

class ColorJitter : public Transform {
 public:
  explicit ColorJitter(const ColorJitterOptions& o) : o_(o) {}
  bool apply(Sample& s, Rng& rng) override {
    std::array<int, 4> order{0, 1, 2, 3};
    std::shuffle(order.begin(), order.end(), rng);
    auto factor = [&](double x) { return uniform(rng, std::max(0.0, 1 - x), 1 + x); };
    const double b = factor(o_.brightness), c = factor(o_.contrast), sat = factor(o_.saturation);
    const double h = uniform(rng, -o_.hue, o_.hue + 1e-12);
    cv::Mat img = pipe::mat_view(s.image).clone();
    for (int op : order) {
      if (op == 0 && o_.brightness > 0) pipe::scale_shift(img, b, 0);
      if (op == 1 && o_.contrast > 0) pipe::adjust_contrast(img, c);
      if (op == 2 && o_.saturation > 0) pipe::adjust_saturation(img, sat);
      if (op == 3 && o_.hue > 0) pipe::adjust_hue(img, h);
    }
    s.image = pipe::tensor_from_mat(img);
    return true;
  }

 private:
  ColorJitterOptions o_;
};
DETSEQ_REGISTER_AS(Transform, ColorJitter, ColorJitterOptions, "ColorJitter", "torchvision-style colour jitter");

struct PhotoMetricDistortionOptions {
  double brightness_delta = 32;
  std::vector<double> contrast_range{0.5, 1.5};
  std::vector<double> saturation_range{0.5, 1.5};
  double hue_delta = 18;
  template <class V>
  void visit(V& v) {
    v("brightness_delta", brightness_delta, "add U(-d, d) to every pixel").range(0.0, 255.0);
    v("contrast_range", contrast_range, "[lo, hi] multiplicative contrast").non_negative();
    v("saturation_range", saturation_range, "[lo, hi] multiplicative saturation").non_negative();
    v("hue_delta", hue_delta, "hue shift U(-d, d) in OpenCV 8-bit hue units (180 = full turn)").range(0.0, 180.0);
  }
};

class PhotoMetricDistortion : public Transform {
 public:
  explicit PhotoMetricDistortion(const PhotoMetricDistortionOptions& o) : o_(o) {
    auto check = [](const std::vector<double>& r, const char* key) {
      if (r.size() != 2 || r[0] > r[1])
        throw ConfigError(std::string("PhotoMetricDistortion: ") + key + " must be [lo, hi] with lo <= hi");
    };
    check(o.contrast_range, "contrast_range");
    check(o.saturation_range, "saturation_range");
  }
  bool apply(Sample& s, Rng& rng) override {
    const bool input_u8 = s.image.scalar_type() == torch::kUInt8;
    cv::Mat img;
    pipe::mat_view(s.image).convertTo(img, CV_32FC3);
    auto coin = [&] { return uniform_int(rng, 0, 1) == 1; };
    if (coin()) pipe::scale_shift(img, 1, uniform(rng, -o_.brightness_delta, o_.brightness_delta));
    const bool contrast_first = coin();
    auto contrast = [&] {
      if (coin()) pipe::scale_shift(img, uniform(rng, o_.contrast_range[0], o_.contrast_range[1]), 0);
    };
    if (contrast_first) contrast();
    if (coin()) {
      const double f = uniform(rng, o_.saturation_range[0], o_.saturation_range[1]);
      cv::Mat hsv, unit = img / 255.0;
      cv::cvtColor(unit, hsv, cv::COLOR_RGB2HSV);
      std::vector<cv::Mat> ch;
      cv::split(hsv, ch);
      ch[1] *= f;
      cv::merge(ch, hsv);
      cv::cvtColor(hsv, unit, cv::COLOR_HSV2RGB);
      img = unit * 255.0;
    }
    if (coin()) pipe::adjust_hue(img, uniform(rng, -o_.hue_delta, o_.hue_delta) / 180.0);
    if (!contrast_first) contrast();
    if (coin()) {
      std::array<int, 3> perm{0, 1, 2};
      std::shuffle(perm.begin(), perm.end(), rng);
      std::vector<cv::Mat> ch, out(3);
      cv::split(img, ch);
      for (int i = 0; i < 3; ++i) out[i] = ch[perm[i]];
      cv::merge(out, img);
    }
    if (input_u8) img.convertTo(img, CV_8UC3);  // saturates to 0..255
    s.image = pipe::tensor_from_mat(img);
    return true;
  }

 private:
  PhotoMetricDistortionOptions o_;
};
DETSEQ_REGISTER_AS(Transform, PhotoMetricDistortion, PhotoMetricDistortionOptions, "PhotoMetricDistortion",
                   "mmdet photometric distortion (brightness, contrast, saturation, hue, channel swap)");

}  // namespace detseq
