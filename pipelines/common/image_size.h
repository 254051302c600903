// Image width/height from the file header (JPEG SOF, PNG IHDR) without decoding the pixels; other
// formats fall back to a full OpenCV decode. YOLO labels are normalised, so the dataset needs the
// sizes up front.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

namespace detseq {

// (width, height); throws detseq::Error when the file is missing or not a readable image.
std::pair<int64_t, int64_t> read_image_size(const std::string& path);

}  // namespace detseq
