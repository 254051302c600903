#include "pipelines/common/image_size.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "core/util/error.h"

namespace detseq {
namespace {

int64_t be16(const unsigned char* p) { return (int64_t(p[0]) << 8) | p[1]; }
int64_t be32(const unsigned char* p) { return (int64_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

// Walks the JPEG segments from offset 2 to the first SOF marker, which carries the frame size.
std::optional<ImageHeader> jpeg_header(const ImageReadAt& read_at) {
  uint64_t at = 2;
  unsigned char m[4];
  // Real files reach the SOF within a few segments; the cap bounds a file of fill bytes.
  for (int segments = 0; segments < 100000; ++segments) {
    if (read_at(at, reinterpret_cast<char*>(m), 2) != 2 || m[0] != 0xFF) return std::nullopt;
    if (m[1] == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (read_at(at + 2, reinterpret_cast<char*>(m + 2), 2) != 2) return std::nullopt;
    const int64_t n = be16(m + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size.
    if (m[1] >= 0xC0 && m[1] <= 0xCF && m[1] != 0xC4 && m[1] != 0xC8 && m[1] != 0xCC) {
      unsigned char sof[5];
      if (read_at(at + 4, reinterpret_cast<char*>(sof), 5) != 5) return std::nullopt;
      ImageHeader h{ImageHeader::Format::Jpeg, be16(sof + 3), be16(sof + 1)};
      if (h.width > 0 && h.height > 0) return h;
      return std::nullopt;
    }
    if (n < 2) return std::nullopt;
    at += 2 + static_cast<uint64_t>(n);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageHeader> read_image_header(const ImageReadAt& read_at) {
  unsigned char head[24] = {};
  const size_t got = read_at(0, reinterpret_cast<char*>(head), sizeof(head));
  if (got >= 4 && head[0] == 0xFF && head[1] == 0xD8) return jpeg_header(read_at);
  if (got == sizeof(head) && std::memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 && std::memcmp(head + 12, "IHDR", 4) == 0) {
    ImageHeader h{ImageHeader::Format::Png, be32(head + 16), be32(head + 20)};
    if (h.width > 0 && h.height > 0) return h;
  }
  return std::nullopt;
}

std::optional<ImageHeader> read_image_header(const std::string& bytes) {
  return read_image_header([&](uint64_t offset, char* dst, size_t n) -> size_t {
    if (offset >= bytes.size()) return 0;
    n = std::min<size_t>(n, bytes.size() - offset);
    std::memcpy(dst, bytes.data() + offset, n);
    return n;
  });
}

std::pair<int64_t, int64_t> read_image_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": image file not found or unreadable");
  const auto header = read_image_header([&](uint64_t offset, char* dst, size_t n) -> size_t {
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(dst, static_cast<std::streamsize>(n));
    return static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0));
  });
  if (header) return {header->width, header->height};
  const cv::Mat m = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (m.empty()) throw Error(path + ": cannot read image size (corrupt or unsupported format)");
  return {m.cols, m.rows};
}

}  // namespace detseq
