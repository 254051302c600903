// An instance outline as COCO stores it: polygons, or a run-length encoding (RLE) of a bitmap
// (uncompressed `counts` list or pycocotools' compressed string, decoded on reading). Datasets
// keep these as parsed; LoadAnnotations(with_mask) rasterises them into Instances::masks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace detseq {

struct Segmentation {
  std::vector<std::vector<float>> polygons;  // each [x0, y0, x1, y1, ...] in original pixels
  std::vector<uint32_t> rle_counts;          // alternating runs of 0s and 1s, column-major
  int64_t rle_height = 0, rle_width = 0;

  bool empty() const { return polygons.empty() && rle_counts.empty(); }
  bool is_rle() const { return !rle_counts.empty(); }
};

// pycocotools' compressed RLE string (LEB128-like, 6 bits per character, offsets from the run two
// back) -> run lengths. Throws detseq::Error on a malformed string.
std::vector<uint32_t> decode_rle_string(const std::string& text);

}  // namespace detseq
