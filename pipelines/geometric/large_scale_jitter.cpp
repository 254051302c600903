// LargeScaleJitter as in the official Pix2Seq: resize so the image fits a square of side
// output_size * U(min_scale, max_scale), take a random output_size crop of the result, and
// (optionally) pad to output_size x output_size.
#include <cmath>

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/geometry.h"

namespace detseq {

struct LargeScaleJitterOptions {
  int64_t output_size = 640;
  double min_scale = 0.3;
  double max_scale = 2.0;
  bool pad = true;
  pipe::PadValue pad_val;
  template <class V>
  void visit(V& v) {
    v("output_size", output_size, "side of the square target");
    v("min_scale", min_scale, "smallest jitter factor of the target side");
    v("max_scale", max_scale, "largest jitter factor");
    v("pad", pad, "pad to output_size x output_size (false: pad later, e.g. after Normalize)");
    v("pad_val", pad_val, "fill value in the image's current units: a number, [r, g, b] or {img: ...}");
  }
};

class LargeScaleJitter : public Transform {
 public:
  explicit LargeScaleJitter(const LargeScaleJitterOptions& o) : o_(o) {
    if (o.output_size <= 0 || o.min_scale <= 0 || o.max_scale < o.min_scale)
      throw ConfigError("LargeScaleJitter: need output_size > 0 and 0 < min_scale <= max_scale");
  }
  bool apply(Sample& s, Rng& rng) override {
    const int64_t w = pipe::image_width(s), h = pipe::image_height(s);
    const double target = o_.output_size * uniform(rng, o_.min_scale, o_.max_scale);
    const double factor = std::min(target / h, target / w);
    const int64_t nw = std::max<int64_t>(1, std::llround(w * factor)), nh = std::max<int64_t>(1, std::llround(h * factor));
    pipe::resize_sample(s, nw, nh);
    // Offsets are a uniform fraction of the slack, as Pix2Seq does.
    const double fx = uniform(rng, 0, 1), fy = uniform(rng, 0, 1);
    const int64_t cw = std::min(nw, o_.output_size), ch = std::min(nh, o_.output_size);
    const int64_t x0 = static_cast<int64_t>(std::floor(fx * (nw - cw)));
    const int64_t y0 = static_cast<int64_t>(std::floor(fy * (nh - ch)));
    if (cw != nw || ch != nh) pipe::crop_sample(s, x0, y0, cw, ch);
    if (o_.pad) pipe::pad_sample(s, o_.output_size, o_.output_size, o_.pad_val);
    return true;
  }

 private:
  LargeScaleJitterOptions o_;
};
DETSEQ_REGISTER_AS(Transform, LargeScaleJitter, LargeScaleJitterOptions, "LargeScaleJitter",
                   "Pix2Seq scale jitter: random resize around a square target, fixed-size crop, pad");

}  // namespace detseq
