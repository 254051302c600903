// LoadImageFromFile: decodes sample.meta.file_path into a uint8 [H, W, 3] tensor. The header's
// size is checked against max_pixels before any decoder allocates; JPEGs are decoded by
// jpeg_decoder (libjpeg warnings = corrupt file = error), other formats by OpenCV. Every failure
// is an Error naming the file, which the dataset turns into a bad sample (on_bad_sample).
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <sstream>

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/image_size.h"
#include "pipelines/common/image_tensor.h"
#include "pipelines/loading/jpeg_decoder.h"

namespace detseq {

struct LoadImageFromFileOptions {
  std::string color_type = "color";
  std::string channel_order = "rgb";
  int64_t max_pixels = 50000000;
  template <class V>
  void visit(V& v) {
    v("color_type", color_type, "color | grayscale (grayscale is decoded as one channel and repeated to 3)")
        .one_of({"color", "grayscale"});
    v("channel_order", channel_order, "rgb (detseq's convention) | bgr (OpenCV order, for BGR-trained weights)")
        .one_of({"rgb", "bgr"});
    v("max_pixels", max_pixels,
      "width x height above which an image is a bad sample, checked from the header before decoding (0: no limit)")
        .non_negative();
  }
};

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": image file not found or unreadable (check data_root and data_prefix.img)");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) throw Error(path + ": cannot read the image file");
  return buffer.str();
}

}  // namespace

class LoadImageFromFile : public Transform {
 public:
  explicit LoadImageFromFile(const LoadImageFromFileOptions& o) : o_(o) {
  }

  bool apply(Sample& sample, Rng&) override {
    const std::string& path = sample.meta.file_path;
    const std::string bytes = read_file(path);
    const bool gray = o_.color_type == "grayscale", bgr = o_.channel_order == "bgr";
    const std::optional<ImageHeader> header = read_image_header(bytes);
    if (header && o_.max_pixels > 0 && header->width * header->height > o_.max_pixels) {
      throw Error(path + ": image header declares " + std::to_string(header->width) + "x" + std::to_string(header->height) +
                  " pixels, more than max_pixels " + std::to_string(o_.max_pixels) +
                  " (raise LoadImageFromFile's max_pixels if such images are intended)");
    }
    cv::Mat decoded;
    if (header && header->format == ImageHeader::Format::Jpeg) {
      decoded = decode_jpeg(bytes, JpegRequest{gray, bgr, o_.max_pixels}, path);
    } else {
      const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
      decoded = cv::imdecode(raw, gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
      if (decoded.empty()) throw Error(path + ": cannot decode image (corrupt, truncated or unsupported format)");
      if (!gray && !bgr) cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
    }
    cv::Mat image = decoded;
    if (gray) cv::cvtColor(decoded, image, cv::COLOR_GRAY2RGB);
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
                   "decode the sample's image file (JPEG: libjpeg, corrupt data is an error; others: OpenCV), uint8 HWC RGB");

}  // namespace detseq
