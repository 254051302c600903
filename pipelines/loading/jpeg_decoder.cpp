#include "pipelines/loading/jpeg_decoder.h"

// jpeglib.h needs size_t and FILE declared first.
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>

#include <opencv2/core.hpp>

#include "core/util/error.h"

namespace detseq {
namespace {

// libjpeg reports errors through callbacks that must not return; they jump back into the
// protected functions below. Those frames hold only plain C data, so the jump skips no C++
// destructor; C++ objects (the output Mat) are created between the protected steps.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error(cinfo);  // -1: a warning (corrupt or truncated data); >= 0: trace output
}

struct Decoder {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  bool created = false;
};

// Step 1: header and output format. Returns false with err.message set on failure.
bool read_header(Decoder& d, const unsigned char* data, unsigned long size, const JpegRequest& request) {
  d.cinfo.err = jpeg_std_error(&d.err.pub);
  d.err.pub.error_exit = on_error;
  d.err.pub.emit_message = on_message;
  d.err.message[0] = '\0';
  if (setjmp(d.err.jump)) return false;
  jpeg_create_decompress(&d.cinfo);
  d.created = true;
  jpeg_mem_src(&d.cinfo, data, size);
  jpeg_save_markers(&d.cinfo, JPEG_APP0 + 1, 0xFFFF);  // EXIF, for the orientation
  jpeg_read_header(&d.cinfo, TRUE);
  const bool cmyk = d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK;
  if (cmyk) d.cinfo.out_color_space = JCS_CMYK;  // converted below: libjpeg has no CMYK -> RGB
  else if (request.grayscale) d.cinfo.out_color_space = JCS_GRAYSCALE;
  else d.cinfo.out_color_space = request.bgr ? JCS_EXT_BGR : JCS_EXT_RGB;
  jpeg_calc_output_dimensions(&d.cinfo);
  return true;
}

// Step 2: the pixels, row by row into `out` (rows of `stride` bytes).
bool read_pixels(Decoder& d, unsigned char* out, size_t stride) {
  if (setjmp(d.err.jump)) return false;
  jpeg_start_decompress(&d.cinfo);
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    JSAMPROW row = out + stride * d.cinfo.output_scanline;
    jpeg_read_scanlines(&d.cinfo, &row, 1);
  }
  jpeg_finish_decompress(&d.cinfo);  // reports data after the last scan, too
  return true;
}

// The EXIF orientation tag (1..8; 1 when absent or unreadable) of a saved APP1 marker.
int exif_orientation(const jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    const unsigned char* p = m->data;
    const size_t n = m->data_length;
    if (m->marker != JPEG_APP0 + 1 || n < 14 || std::memcmp(p, "Exif\0\0", 6) != 0) continue;
    const unsigned char* tiff = p + 6;
    const size_t len = n - 6;
    const bool le = tiff[0] == 'I';
    const auto u16 = [&](size_t at) -> uint32_t { return le ? tiff[at] | (tiff[at + 1] << 8) : (tiff[at] << 8) | tiff[at + 1]; };
    const auto u32 = [&](size_t at) -> uint32_t { return le ? u16(at) | (u16(at + 2) << 16) : (u16(at) << 16) | u16(at + 2); };
    const uint32_t ifd = u32(4);
    if (ifd > len || len - ifd < 2) return 1;
    const uint32_t entries = u16(ifd);
    for (uint32_t e = 0; e < entries; ++e) {
      const size_t at = ifd + 2 + size_t(12) * e;
      if (at + 12 > len) return 1;
      if (u16(at) == 0x0112) {
        const uint32_t v = u16(at + 8);
        return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
      }
    }
  }
  return 1;
}

// As OpenCV's imread/imdecode apply it, so both decoders give the same pixels.
void apply_orientation(cv::Mat& img, int orientation) {
  switch (orientation) {
    case 2: cv::flip(img, img, 1); break;
    case 3: cv::flip(img, img, -1); break;
    case 4: cv::flip(img, img, 0); break;
    case 5: cv::transpose(img, img); break;
    case 6: cv::transpose(img, img), cv::flip(img, img, 1); break;
    case 7: cv::transpose(img, img), cv::flip(img, img, -1); break;
    case 8: cv::transpose(img, img), cv::flip(img, img, 0); break;
    default: break;
  }
}

// Adobe CMYK JPEGs store inverted values: R = C * K / 255 (C, M, Y, K as read).
cv::Mat cmyk_to_rgb(const cv::Mat& cmyk, bool grayscale, bool bgr) {
  cv::Mat rgb(cmyk.rows, cmyk.cols, CV_8UC3);
  for (int y = 0; y < cmyk.rows; ++y) {
    const unsigned char* s = cmyk.ptr<unsigned char>(y);
    unsigned char* o = rgb.ptr<unsigned char>(y);
    for (int x = 0; x < cmyk.cols; ++x, s += 4, o += 3) {
      const int k = s[3];
      const unsigned char r = static_cast<unsigned char>(s[0] * k / 255), g = static_cast<unsigned char>(s[1] * k / 255),
                          b = static_cast<unsigned char>(s[2] * k / 255);
      o[0] = bgr ? b : r, o[1] = g, o[2] = bgr ? r : b;
    }
  }
  if (!grayscale) return rgb;
  cv::Mat gray(rgb.rows, rgb.cols, CV_8UC1);
  for (int y = 0; y < rgb.rows; ++y) {
    const unsigned char* s = rgb.ptr<unsigned char>(y);
    unsigned char* o = gray.ptr<unsigned char>(y);
    for (int x = 0; x < rgb.cols; ++x, s += 3) o[x] = static_cast<unsigned char>((299 * s[bgr ? 2 : 0] + 587 * s[1] + 114 * s[bgr ? 0 : 2]) / 1000);
  }
  return gray;
}

}  // namespace

cv::Mat decode_jpeg(const std::string& bytes, const JpegRequest& request, const std::string& path) {
  Decoder d;
  struct Cleanup {
    Decoder& d;
    ~Cleanup() {
      if (d.created) jpeg_destroy_decompress(&d.cinfo);
    }
  } cleanup{d};
  const auto fail = [&](const std::string& what) { return Error(path + ": corrupt JPEG: " + what); };
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (!read_header(d, data, static_cast<unsigned long>(bytes.size()), request)) throw fail(d.err.message);
  const int64_t w = d.cinfo.output_width, h = d.cinfo.output_height;
  if (request.max_pixels > 0 && w * h > request.max_pixels) {
    throw Error(path + ": image is " + std::to_string(w) + "x" + std::to_string(h) + " pixels, more than max_pixels " +
                std::to_string(request.max_pixels) + " (raise LoadImageFromFile's max_pixels if such images are intended)");
  }
  const int orientation = exif_orientation(d.cinfo);  // the saved markers go with finish_decompress
  const int channels = d.cinfo.out_color_components;
  cv::Mat out(static_cast<int>(h), static_cast<int>(w), CV_8UC(channels));
  if (!read_pixels(d, out.data, out.step[0])) throw fail(d.err.message);
  if (channels == 4) out = cmyk_to_rgb(out, request.grayscale, request.bgr);
  apply_orientation(out, orientation);
  return out;
}

}  // namespace detseq
