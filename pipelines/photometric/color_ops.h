// Pixel-value operations on RGB cv::Mats shared by ColorJitter and PhotoMetricDistortion.
#pragma once
#include <opencv2/core.hpp>

namespace detseq::pipe {

// img * factor + offset, into the same depth (uint8 saturates).
void scale_shift(cv::Mat& img, double factor, double offset);
// Blend with the mean grey level: mean + factor * (img - mean) (torchvision adjust_contrast).
void adjust_contrast(cv::Mat& img, double factor);
// Blend with the greyscale image: grey + factor * (img - grey) (torchvision adjust_saturation).
void adjust_saturation(cv::Mat& img, double factor);
// Rotates the hue by `fraction` of a full turn (-0.5..0.5).
void adjust_hue(cv::Mat& img, double fraction);

}  // namespace detseq::pipe
