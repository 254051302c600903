// Image width/height from the file header (JPEG SOF, PNG IHDR) without decoding the pixels. YOLO
// labels are normalised, so that dataset needs the sizes up front; LoadImageFromFile checks them
// against max_pixels before it lets a decoder allocate (a 750 KB PNG can declare 16000x16000).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace detseq {

struct ImageHeader {
  enum class Format { Jpeg, Png };
  Format format;
  int64_t width = 0, height = 0;
};

// Copies up to `n` bytes at `offset` into `dst`; returns how many it copied.
using ImageReadAt = std::function<size_t(uint64_t offset, char* dst, size_t n)>;

// The header of a JPEG or PNG; nullopt for other formats or a header that cannot be read.
std::optional<ImageHeader> read_image_header(const ImageReadAt& read_at);
std::optional<ImageHeader> read_image_header(const std::string& bytes);

// (width, height) from the header, else from a full OpenCV decode (other formats); throws
// detseq::Error when the file is missing or not a readable image.
std::pair<int64_t, int64_t> read_image_size(const std::string& path);

}  // namespace detseq
