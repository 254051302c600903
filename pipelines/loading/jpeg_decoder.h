// JPEG decoding with libjpeg(-turbo) directly, because its warnings matter: a truncated or
// corrupt JPEG makes libjpeg warn ("Premature end of JPEG file", "Corrupt JPEG data: ...") and
// fill the rest with grey; OpenCV's imread/imdecode only print the warning and return the damaged
// image, which would then be trained on silently. Here every warning is an error. The pixels are
// those OpenCV's imdecode gives (same library and settings, EXIF orientation applied).
#pragma once
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace detseq {

struct JpegRequest {
  bool grayscale = false;  // one channel; else three
  bool bgr = false;        // channel order of a colour result (default RGB)
  int64_t max_pixels = 0;  // width * height limit checked before the pixels are allocated; 0: none
};

// Decodes the JPEG file bytes into CV_8UC1 (grayscale) or CV_8UC3. Throws detseq::Error naming
// `path` with libjpeg's message on any error or warning, or when the image exceeds max_pixels.
cv::Mat decode_jpeg(const std::string& bytes, const JpegRequest& request, const std::string& path);

}  // namespace detseq
