#include "datasets/yolo/image_size.h"

#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <vector>

#include "core/util/error.h"

namespace detseq {
namespace {

int be16(const unsigned char* p) { return (p[0] << 8) | p[1]; }
int64_t be32(const unsigned char* p) { return (int64_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

bool jpeg_size(std::ifstream& in, int64_t& w, int64_t& h) {
  unsigned char m[2];
  in.seekg(2);
  while (in.read(reinterpret_cast<char*>(m), 2)) {
    if (m[0] != 0xFF) return false;
    if (m[1] == 0xFF) {  // fill byte
      in.seekg(-1, std::ios::cur);
      continue;
    }
    unsigned char len[2];
    if (!in.read(reinterpret_cast<char*>(len), 2)) return false;
    const int n = be16(len);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size.
    if (m[1] >= 0xC0 && m[1] <= 0xCF && m[1] != 0xC4 && m[1] != 0xC8 && m[1] != 0xCC) {
      unsigned char sof[5];
      if (!in.read(reinterpret_cast<char*>(sof), 5)) return false;
      h = be16(sof + 1), w = be16(sof + 3);
      return w > 0 && h > 0;
    }
    if (n < 2) return false;
    in.seekg(n - 2, std::ios::cur);
  }
  return false;
}

}  // namespace

std::pair<int64_t, int64_t> read_image_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": image file not found or unreadable");
  unsigned char head[24] = {};
  in.read(reinterpret_cast<char*>(head), sizeof(head));
  int64_t w = 0, h = 0;
  if (head[0] == 0xFF && head[1] == 0xD8) {
    if (jpeg_size(in, w, h)) return {w, h};
  } else if (head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
    w = be32(head + 16), h = be32(head + 20);
    if (w > 0 && h > 0) return {w, h};
  }
  const cv::Mat m = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (m.empty()) throw Error(path + ": cannot read image size (corrupt or unsupported format)");
  return {m.cols, m.rows};
}

}  // namespace detseq
