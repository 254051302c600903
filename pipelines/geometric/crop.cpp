// RandomCrop (mmdet crop types) and RandomSizeCrop (DETR): boxes clipped to the window, boxes cut
// to nothing removed; a crop that leaves no training target drops the sample unless allowed.
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/geometry.h"

namespace detseq {
namespace {

// Crops a w x h window at a random offset; returns false when no target survives and empty crops
// are not allowed.
bool random_crop(Sample& s, Rng& rng, int64_t cw, int64_t ch, bool allow_empty) {
  const int64_t W = pipe::image_width(s), H = pipe::image_height(s);
  cw = std::max<int64_t>(1, std::min(cw, W));
  ch = std::max<int64_t>(1, std::min(ch, H));
  const int64_t y0 = uniform_int(rng, 0, H - ch), x0 = uniform_int(rng, 0, W - cw);
  const bool had_targets = s.instances.size() > 0 && s.instances.targets().size() > 0;
  pipe::crop_sample(s, x0, y0, cw, ch);
  if (allow_empty || !had_targets) return true;
  return s.instances.targets().size() > 0;
}

}  // namespace

struct RandomCropOptions {
  std::vector<double> crop_size;
  std::string crop_type = "absolute";
  bool allow_negative_crop = false;
  template <class V>
  void visit(V& v) {
    v.required("crop_size", crop_size, "[w, h]: pixels (absolute*), or fractions of the image (relative*)");
    v("crop_type", crop_type, "how crop_size is read").one_of({"absolute", "absolute_range", "relative", "relative_range"});
    v("allow_negative_crop", allow_negative_crop, "keep a crop that contains no target (else the sample is dropped)");
  }
};

class RandomCrop : public Transform {
 public:
  explicit RandomCrop(const RandomCropOptions& o) : o_(o) {
    if (o.crop_size.size() != 2 || o.crop_size[0] <= 0 || o.crop_size[1] <= 0)
      throw ConfigError("RandomCrop: crop_size must be [w, h] with positive values");
    const std::string& t = o.crop_type;
    if (t.rfind("relative", 0) == 0 && (o.crop_size[0] > 1 || o.crop_size[1] > 1))
      throw ConfigError("RandomCrop: relative crop_size values must be in (0, 1]");
    if (t == "absolute_range" && o.crop_size[0] > o.crop_size[1])
      throw ConfigError("RandomCrop: absolute_range needs crop_size [min, max] with min <= max");
  }
  bool apply(Sample& s, Rng& rng) override {
    const double W = double(pipe::image_width(s)), H = double(pipe::image_height(s));
    const auto& c = o_.crop_size;
    int64_t cw = 0, ch = 0;
    if (o_.crop_type == "absolute") {
      cw = int64_t(c[0]), ch = int64_t(c[1]);
    } else if (o_.crop_type == "absolute_range") {
      // [min, max] for both sides, each side capped by the image.
      ch = uniform_int(rng, int64_t(c[0]), std::max<int64_t>(int64_t(c[0]), std::min<int64_t>(int64_t(H), int64_t(c[1]))));
      cw = uniform_int(rng, int64_t(c[0]), std::max<int64_t>(int64_t(c[0]), std::min<int64_t>(int64_t(W), int64_t(c[1]))));
    } else if (o_.crop_type == "relative") {
      cw = int64_t(W * c[0] + 0.5), ch = int64_t(H * c[1] + 0.5);
    } else {
      cw = int64_t(W * uniform(rng, c[0], 1.0) + 0.5), ch = int64_t(H * uniform(rng, c[1], 1.0) + 0.5);
    }
    return random_crop(s, rng, cw, ch, o_.allow_negative_crop);
  }

 private:
  RandomCropOptions o_;
};
DETSEQ_REGISTER_AS(Transform, RandomCrop, RandomCropOptions, "RandomCrop", "crop a random window (mmdet crop types)");

struct RandomSizeCropOptions {
  int64_t min_size = 384;
  int64_t max_size = 600;
  bool allow_negative_crop = true;
  template <class V>
  void visit(V& v) {
    v("min_size", min_size, "smallest crop side (px)");
    v("max_size", max_size, "largest crop side (px), capped by the image");
    v("allow_negative_crop", allow_negative_crop, "keep a crop without targets (DETR does)");
  }
};

class RandomSizeCrop : public Transform {
 public:
  explicit RandomSizeCrop(const RandomSizeCropOptions& o) : o_(o) {
    if (o.min_size <= 0 || o.max_size < o.min_size)
      throw ConfigError("RandomSizeCrop: need 0 < min_size <= max_size");
  }
  bool apply(Sample& s, Rng& rng) override {
    const int64_t W = pipe::image_width(s), H = pipe::image_height(s);
    // Width then height, each in [min_size, min(side, max_size)] (a side below min_size is kept whole).
    const int64_t cw = uniform_int(rng, std::min(o_.min_size, W), std::min(W, o_.max_size));
    const int64_t ch = uniform_int(rng, std::min(o_.min_size, H), std::min(H, o_.max_size));
    return random_crop(s, rng, cw, ch, o_.allow_negative_crop);
  }

 private:
  RandomSizeCropOptions o_;
};
DETSEQ_REGISTER_AS(Transform, RandomSizeCrop, RandomSizeCropOptions, "RandomSizeCrop",
                   "DETR crop: random size in [min_size, max_size], random position");

}  // namespace detseq
