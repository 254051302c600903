#include "pipelines/common/image_tensor.h"

#include "core/util/error.h"

namespace detseq::pipe {

cv::Mat mat_view(torch::Tensor& image) {
  if (!image.defined() || image.dim() != 3 || image.size(2) != 3) {
    throw Error("pipeline: expected an HWC image with 3 channels, got " +
                (image.defined() ? std::to_string(image.dim()) + "-d tensor" : std::string("no image")) +
                " (is LoadImageFromFile the first transform, and PackDetInputs the last?)");
  }
  if (!image.is_contiguous()) image = image.contiguous();
  int type = 0;
  if (image.scalar_type() == torch::kUInt8) {
    type = CV_8UC3;
  } else if (image.scalar_type() == torch::kFloat32) {
    type = CV_32FC3;
  } else {
    throw Error(std::string("pipeline: image dtype must be uint8 or float32, got ") + c10::toString(image.scalar_type()));
  }
  return cv::Mat(static_cast<int>(image.size(0)), static_cast<int>(image.size(1)), type, image.data_ptr());
}

torch::Tensor tensor_from_mat(const cv::Mat& mat) {
  cv::Mat owned = mat.isContinuous() ? mat : mat.clone();
  torch::ScalarType dtype;
  if (owned.type() == CV_8UC3) {
    dtype = torch::kUInt8;
  } else if (owned.type() == CV_32FC3) {
    dtype = torch::kFloat32;
  } else {
    throw Error("pipeline: unsupported OpenCV image type " + std::to_string(owned.type()) + " (expected 3 channels)");
  }
  // The deleter owns a Mat header, so the pixel buffer lives exactly as long as the tensor.
  auto* keep = new cv::Mat(owned);
  return torch::from_blob(
      keep->data, {owned.rows, owned.cols, 3}, [keep](void*) { delete keep; }, torch::TensorOptions().dtype(dtype));
}

}  // namespace detseq::pipe
