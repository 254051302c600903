#include "pipelines/photometric/color_ops.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace detseq::pipe {

void scale_shift(cv::Mat& img, double factor, double offset) { img.convertTo(img, -1, factor, offset); }

void adjust_contrast(cv::Mat& img, double factor) {
  cv::Mat grey;
  cv::cvtColor(img, grey, cv::COLOR_RGB2GRAY);
  const double mean = cv::mean(grey)[0];
  img.convertTo(img, -1, factor, mean * (1 - factor));
}

void adjust_saturation(cv::Mat& img, double factor) {
  cv::Mat grey, grey3;
  cv::cvtColor(img, grey, cv::COLOR_RGB2GRAY);
  cv::cvtColor(grey, grey3, cv::COLOR_GRAY2RGB);
  cv::addWeighted(img, factor, grey3, 1 - factor, 0, img);
}

void adjust_hue(cv::Mat& img, double fraction) {
  if (fraction == 0) return;
  cv::Mat hsv;
  if (img.depth() == CV_8U) {
    // 8-bit hue is 0..179; a lookup table rotates it exactly.
    cv::cvtColor(img, hsv, cv::COLOR_RGB2HSV_FULL);
    cv::Mat lut(1, 256, CV_8U);
    const int shift = static_cast<int>(std::lround(fraction * 256));
    for (int i = 0; i < 256; ++i) lut.at<uint8_t>(i) = static_cast<uint8_t>(((i + shift) % 256 + 256) % 256);
    std::vector<cv::Mat> ch;
    cv::split(hsv, ch);
    cv::LUT(ch[0], lut, ch[0]);
    cv::merge(ch, hsv);
    cv::cvtColor(hsv, img, cv::COLOR_HSV2RGB_FULL);
  } else {
    // Float images are in 0..255 units; OpenCV's float HSV wants 0..1 and gives hue in degrees.
    cv::Mat unit = img / 255.0;
    cv::cvtColor(unit, hsv, cv::COLOR_RGB2HSV);
    std::vector<cv::Mat> ch;
    cv::split(hsv, ch);
    ch[0] += fraction * 360.0;
    ch[0].forEach<float>([](float& h, const int*) { h = std::fmod(std::fmod(h, 360.f) + 360.f, 360.f); });
    cv::merge(ch, hsv);
    cv::cvtColor(hsv, unit, cv::COLOR_HSV2RGB);
    img = unit * 255.0;
  }
}

}  // namespace detseq::pipe
