#include "core/structures/segmentation.h"

#include "core/util/error.h"

namespace detseq {

std::vector<uint32_t> decode_rle_string(const std::string& text) {
  std::vector<int64_t> counts;
  size_t p = 0;
  while (p < text.size()) {
    int64_t x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      if (p >= text.size()) throw Error("RLE string ends inside a number");
      const int64_t c = static_cast<int64_t>(text[p]) - 48;
      if (c < 0 || c > 63) throw Error(std::string("RLE string has an invalid character '") + text[p] + "'");
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p, ++k;
      if (!more && (c & 0x10)) x |= -(int64_t(1) << (5 * k));  // sign extension
    }
    if (counts.size() > 2) x += counts[counts.size() - 2];  // runs after the second are deltas
    if (x < 0) throw Error("RLE string decodes to a negative run length");
    counts.push_back(x);
  }
  return std::vector<uint32_t>(counts.begin(), counts.end());
}

}  // namespace detseq
