// LoadImageFromFile: decodes sample.meta.file_path with OpenCV into a uint8 [H, W, 3] tensor.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/image_tensor.h"

namespace detseq {

struct LoadImageFromFileOptions {
  std::string color_type = "color";
  std::string channel_order = "rgb";
  template <class V>
  void visit(V& v) {
    v("color_type", color_type, "color | grayscale (grayscale is decoded as one channel and repeated to 3)");
    v("channel_order", channel_order, "rgb (detseq's convention) | bgr (OpenCV order, for BGR-trained weights)");
  }
};

class LoadImageFromFile : public Transform {
 public:
  explicit LoadImageFromFile(const LoadImageFromFileOptions& o) : o_(o) {
    if (o.color_type != "color" && o.color_type != "grayscale")
      throw ConfigError("LoadImageFromFile: color_type must be 'color' or 'grayscale', got '" + o.color_type + "'");
    if (o.channel_order != "rgb" && o.channel_order != "bgr")
      throw ConfigError("LoadImageFromFile: channel_order must be 'rgb' or 'bgr', got '" + o.channel_order + "'");
  }

  bool apply(Sample& sample, Rng&) override {
    const std::string& path = sample.meta.file_path;
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw Error(path + ": image file not found or unreadable (check data_root and data_prefix.img)");
    probe.close();
    const bool gray = o_.color_type == "grayscale";
    cv::Mat decoded = cv::imread(path, gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (decoded.empty()) throw Error(path + ": cannot decode image (corrupt or unsupported format)");
    cv::Mat image;
    if (gray) {
      cv::cvtColor(decoded, image, cv::COLOR_GRAY2RGB);
    } else if (o_.channel_order == "rgb") {
      cv::cvtColor(decoded, image, cv::COLOR_BGR2RGB);
    } else {
      image = decoded;
    }
    sample.image = pipe::tensor_from_mat(image);
    auto& m = sample.meta;
    m.ori_height = m.img_height = m.pad_height = image.rows;
    m.ori_width = m.img_width = m.pad_width = image.cols;
    m.scale_x = m.scale_y = 1.0;
    m.offset_x = m.offset_y = 0.0;
    m.flipped = false;
    return true;
  }

 private:
  LoadImageFromFileOptions o_;
};

DETSEQ_REGISTER_AS(Transform, LoadImageFromFile, LoadImageFromFileOptions, "LoadImageFromFile",
                   "decode the sample's image file with OpenCV (uint8 HWC, RGB)");

}  // namespace detseq
