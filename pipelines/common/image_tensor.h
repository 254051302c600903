// Zero-copy bridges between the pipeline's image tensors (HWC, uint8 or float32, 3 channels) and
// cv::Mat, so OpenCV does the pixel work without extra copies.
#pragma once
#include <torch/types.h>

#include <opencv2/core.hpp>

namespace detseq::pipe {

// A cv::Mat header over the tensor's memory (made contiguous first if needed). The tensor must
// stay alive while the Mat is used; `image` is replaced by its contiguous version when it was not.
cv::Mat mat_view(torch::Tensor& image);

// A tensor that shares the Mat's pixels and keeps the Mat's buffer alive (a non-continuous Mat is
// cloned once). CV_8UC3 -> uint8 [H,W,3], CV_32FC3 -> float32 [H,W,3].
torch::Tensor tensor_from_mat(const cv::Mat& mat);

}  // namespace detseq::pipe
