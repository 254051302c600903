#include "pipelines/common/masks.h"

#include <opencv2/imgproc.hpp>

#include "core/util/error.h"

namespace detseq::pipe {
namespace {

constexpr int kShift = 4;  // fillPoly's fixed-point fraction bits: polygon points keep 1/16 px

void draw_polygons(const Segmentation& seg, const ImageMeta& m, cv::Mat& out) {
  std::vector<std::vector<cv::Point>> polys;
  for (const auto& p : seg.polygons) {
    std::vector<cv::Point> pts;
    for (size_t i = 0; i + 1 < p.size(); i += 2) {
      const double x = m.scale_x * p[i] + m.offset_x, y = m.scale_y * p[i + 1] + m.offset_y;
      pts.emplace_back(static_cast<int>(std::lround(x * (1 << kShift))), static_cast<int>(std::lround(y * (1 << kShift))));
    }
    polys.push_back(std::move(pts));
  }
  cv::fillPoly(out, polys, cv::Scalar(1), cv::LINE_8, kShift);
}

void draw_rle(const Segmentation& seg, const ImageMeta& m, cv::Mat& out) {
  // Runs are column-major: fill the transposed bitmap row by row, then transpose.
  cv::Mat t(static_cast<int>(seg.rle_width), static_cast<int>(seg.rle_height), CV_8UC1, cv::Scalar(0));
  uint8_t* p = t.ptr<uint8_t>();
  const size_t total = t.total();
  size_t pos = 0;
  for (size_t i = 0; i < seg.rle_counts.size() && pos < total; ++i) {
    const size_t n = std::min<size_t>(seg.rle_counts[i], total - pos);
    if (i % 2 == 1) std::fill(p + pos, p + pos + n, uint8_t(1));
    pos += n;
  }
  cv::Mat bitmap = t.t();
  const bool identity = m.scale_x == 1 && m.scale_y == 1 && m.offset_x == 0 && m.offset_y == 0;
  if (identity && bitmap.rows == out.rows && bitmap.cols == out.cols) {
    bitmap.copyTo(out);
    return;
  }
  const cv::Matx23d map(m.scale_x, 0, m.offset_x, 0, m.scale_y, m.offset_y);
  cv::warpAffine(bitmap, out, map, out.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
}

}  // namespace

torch::Tensor rasterize_masks(const std::vector<Segmentation>& segs, const ImageMeta& meta, int64_t h, int64_t w) {
  const int64_t n = static_cast<int64_t>(segs.size());
  torch::Tensor masks = torch::zeros({n, h, w}, torch::kUInt8);
  for (int64_t i = 0; i < n; ++i) {
    const Segmentation& seg = segs[i];
    if (seg.empty())
      throw Error("instance " + std::to_string(i) + " has no segmentation (with_mask needs polygons or an RLE)");
    cv::Mat out(static_cast<int>(h), static_cast<int>(w), CV_8UC1, masks[i].data_ptr<uint8_t>());
    if (seg.is_rle())
      draw_rle(seg, meta, out);
    else
      draw_polygons(seg, meta, out);
  }
  return masks;
}

torch::Tensor resize_masks(const torch::Tensor& masks, int64_t new_w, int64_t new_h) {
  const int64_t n = masks.size(0);
  torch::Tensor out = torch::empty({n, new_h, new_w}, torch::kUInt8);
  torch::Tensor src = masks.contiguous();
  for (int64_t i = 0; i < n; ++i) {
    cv::Mat in(static_cast<int>(src.size(1)), static_cast<int>(src.size(2)), CV_8UC1, src[i].data_ptr<uint8_t>());
    cv::Mat dst(static_cast<int>(new_h), static_cast<int>(new_w), CV_8UC1, out[i].data_ptr<uint8_t>());
    cv::resize(in, dst, dst.size(), 0, 0, cv::INTER_NEAREST);
  }
  return out;
}

torch::Tensor pad_masks(const torch::Tensor& masks, int64_t pad_w, int64_t pad_h) {
  return torch::constant_pad_nd(masks, {0, pad_w - masks.size(2), 0, pad_h - masks.size(1)}, 0);
}

}  // namespace detseq::pipe
