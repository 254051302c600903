// Pad: bottom/right padding to a fixed size, a square, or a multiple of size_divisor. The padded
// area is marked in meta (pad_* vs img_*), so collate turns it into mask = true. pad_val is in the
// image's current units: 0..255 before Normalize, e.g. 0.3 after a [0, 1] Normalize (Pix2Seq).
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/geometry.h"

namespace detseq {

struct PadOptions {
  std::vector<int64_t> size;
  std::optional<int64_t> size_divisor;
  bool pad_to_square = false;
  pipe::PadValue pad_val;
  template <class V>
  void visit(V& v) {
    v("size", size, "[w, h] (or one number for a square) to pad to");
    v("size_divisor", size_divisor, "pad each side up to a multiple of this").positive();
    v("pad_to_square", pad_to_square, "pad the short side up to the long side");
    v("pad_val", pad_val, "fill value in the image's current units: a number, [r, g, b] or {img: ...}");
  }
};

class Pad : public Transform {
 public:
  explicit Pad(const PadOptions& o) : o_(o) {
    const int given = !o.size.empty() + o.size_divisor.has_value() + o.pad_to_square;
    if (given == 0) throw ConfigError("Pad: give one of size, size_divisor, pad_to_square");
    if (!o.size.empty() && (o.size.size() > 2 || o.pad_to_square))
      throw ConfigError("Pad: size must be [w, h] or one number, and cannot be combined with pad_to_square");
  }
  bool apply(Sample& s, Rng&) override {
    int64_t w = pipe::image_width(s), h = pipe::image_height(s);
    if (!o_.size.empty()) {
      w = o_.size[0];
      h = o_.size.size() == 2 ? o_.size[1] : o_.size[0];
    } else if (o_.pad_to_square) {
      w = h = std::max(w, h);
    }
    if (o_.size_divisor) {
      const int64_t d = *o_.size_divisor;
      w = (w + d - 1) / d * d;
      h = (h + d - 1) / d * d;
    }
    pipe::pad_sample(s, w, h, o_.pad_val);
    return true;
  }

 private:
  PadOptions o_;
};
DETSEQ_REGISTER_AS(Transform, Pad, PadOptions, "Pad", "pad bottom/right to a size, a square or a size divisor");

}  // namespace detseq
