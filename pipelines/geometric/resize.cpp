// Resize family: Resize (fixed scale, scale factor or DETR short side + max size), RandomResize
// (scale sampled from a range), RandomChoiceResize (one of a list, e.g. DETR's 480..800 step 32).
#include <cmath>
#include <optional>

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/common/geometry.h"

namespace detseq {
namespace {

// DETR/torchvision semantics: the short side becomes `short_side` unless the long side would then
// exceed `max_size`, in which case the long side becomes max_size.
std::pair<int64_t, int64_t> short_side_size(int64_t w, int64_t h, int64_t short_side, std::optional<int64_t> max_size) {
  double size = static_cast<double>(short_side);
  const double lo = std::min(w, h), hi = std::max(w, h);
  if (max_size && hi / lo * size > *max_size) size = std::round(*max_size * lo / hi);
  if (w <= h) return {static_cast<int64_t>(size), static_cast<int64_t>(size * h / w)};
  return {static_cast<int64_t>(size * w / h), static_cast<int64_t>(size)};
}

// Resizes to `scale` = (w, h): exactly, or fitted keeping the ratio (mmcv rescale semantics).
void resize_to_scale(Sample& s, int64_t sw, int64_t sh, bool keep_ratio, bool drop_empty) {
  if (sw <= 0 || sh <= 0) throw Error("Resize: scale must be positive, got [" + std::to_string(sw) + ", " + std::to_string(sh) + "]");
  const int64_t w = pipe::image_width(s), h = pipe::image_height(s);
  if (keep_ratio) {
    auto [nw, nh] = pipe::rescale_size(w, h, sw, sh);
    pipe::resize_sample(s, nw, nh, drop_empty);
  } else {
    pipe::resize_sample(s, sw, sh, drop_empty);
  }
}

std::pair<int64_t, int64_t> parse_scale(const std::vector<int64_t>& v, const std::string& what) {
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() != 2) throw ConfigError(what + ": expected [w, h] (or one number for a square), got " + std::to_string(v.size()) + " numbers");
  return {v[0], v[1]};
}

}  // namespace

struct ResizeOptions {
  std::vector<int64_t> scale;
  std::optional<double> scale_factor;
  std::optional<int64_t> short_side;
  std::optional<int64_t> max_size;
  bool keep_ratio = true;
  bool clip_object_border = true;
  template <class V>
  void visit(V& v) {
    v("scale", scale, "[w, h] target (with keep_ratio: long side <= max(w,h), short side <= min(w,h))");
    v("scale_factor", scale_factor, "multiply both sides by this instead of a scale");
    v("short_side", short_side, "DETR style: resize the short side to this ...");
    v("max_size", max_size, "... unless the long side would exceed max_size");
    v("keep_ratio", keep_ratio, "keep the aspect ratio when resizing to `scale`");
    v("clip_object_border", clip_object_border, "drop boxes that become empty (always clipped to the image)");
  }
};

class Resize : public Transform {
 public:
  explicit Resize(const ResizeOptions& o) : o_(o) {
    const int given = !o.scale.empty() + o.scale_factor.has_value() + o.short_side.has_value();
    if (given != 1) throw ConfigError("Resize: give exactly one of scale, scale_factor, short_side");
    if (!o.scale.empty()) scale_ = parse_scale(o.scale, "Resize.scale");
  }
  bool apply(Sample& s, Rng&) override {
    const int64_t w = pipe::image_width(s), h = pipe::image_height(s);
    if (o_.short_side) {
      auto [nw, nh] = short_side_size(w, h, *o_.short_side, o_.max_size);
      pipe::resize_sample(s, nw, nh, o_.clip_object_border);
    } else if (o_.scale_factor) {
      pipe::resize_sample(s, static_cast<int64_t>(w * *o_.scale_factor + 0.5),
                          static_cast<int64_t>(h * *o_.scale_factor + 0.5), o_.clip_object_border);
    } else {
      resize_to_scale(s, scale_.first, scale_.second, o_.keep_ratio, o_.clip_object_border);
    }
    return true;
  }

 private:
  ResizeOptions o_;
  std::pair<int64_t, int64_t> scale_;
};
DETSEQ_REGISTER_AS(Transform, Resize, ResizeOptions, "Resize", "resize image, boxes and meta to a scale");

struct RandomResizeOptions {
  std::vector<std::vector<int64_t>> scale;
  std::vector<double> ratio_range;
  bool keep_ratio = true;
  template <class V>
  void visit(V& v) {
    v.required("scale", scale, "[[w, h]] with ratio_range, or [[w1, h1], [w2, h2]]: edges sampled between them");
    v("ratio_range", ratio_range, "[lo, hi]: the scale multiplied by a uniform factor in this range");
    v("keep_ratio", keep_ratio, "keep the aspect ratio");
  }
};

class RandomResize : public Transform {
 public:
  explicit RandomResize(const RandomResizeOptions& o) : o_(o) {
    for (const auto& s : o.scale) scales_.push_back(parse_scale(s, "RandomResize.scale"));
    if (!o.ratio_range.empty()) {
      if (o.ratio_range.size() != 2 || o.ratio_range[0] > o.ratio_range[1] || o.ratio_range[0] <= 0)
        throw ConfigError("RandomResize: ratio_range must be [lo, hi] with 0 < lo <= hi");
      if (scales_.size() != 1) throw ConfigError("RandomResize: ratio_range needs exactly one scale [[w, h]]");
    } else if (scales_.size() != 2) {
      throw ConfigError("RandomResize: without ratio_range, scale must hold two [w, h] bounds");
    }
  }
  bool apply(Sample& s, Rng& rng) override {
    int64_t sw, sh;
    if (!o_.ratio_range.empty()) {
      const double r = uniform(rng, o_.ratio_range[0], o_.ratio_range[1]);
      sw = static_cast<int64_t>(scales_[0].first * r + 0.5);
      sh = static_cast<int64_t>(scales_[0].second * r + 0.5);
    } else {
      // Long and short edges sampled independently between the two bounds (mmdet semantics).
      const auto a = scales_[0], b = scales_[1];
      const int64_t long_lo = std::min(std::max(a.first, a.second), std::max(b.first, b.second));
      const int64_t long_hi = std::max(std::max(a.first, a.second), std::max(b.first, b.second));
      const int64_t short_lo = std::min(std::min(a.first, a.second), std::min(b.first, b.second));
      const int64_t short_hi = std::max(std::min(a.first, a.second), std::min(b.first, b.second));
      sw = uniform_int(rng, long_lo, long_hi);
      sh = uniform_int(rng, short_lo, short_hi);
    }
    resize_to_scale(s, sw, sh, o_.keep_ratio, true);
    return true;
  }

 private:
  RandomResizeOptions o_;
  std::vector<std::pair<int64_t, int64_t>> scales_;
};
DETSEQ_REGISTER_AS(Transform, RandomResize, RandomResizeOptions, "RandomResize", "resize to a scale sampled from a range");

struct RandomChoiceResizeOptions {
  std::vector<std::vector<int64_t>> scales;
  std::vector<int64_t> short_sides;
  std::optional<int64_t> max_size;
  bool keep_ratio = true;
  template <class V>
  void visit(V& v) {
    v("scales", scales, "candidate [w, h] scales (mmdet style)");
    v("short_sides", short_sides, "candidate short sides (DETR style, e.g. 480..800 step 32)");
    v("max_size", max_size, "with short_sides: cap on the long side (DETR: 1333)");
    v("keep_ratio", keep_ratio, "with scales: keep the aspect ratio");
  }
};

class RandomChoiceResize : public Transform {
 public:
  explicit RandomChoiceResize(const RandomChoiceResizeOptions& o) : o_(o) {
    if (o.scales.empty() == o.short_sides.empty())
      throw ConfigError("RandomChoiceResize: give exactly one of scales, short_sides");
    for (const auto& s : o.scales) scales_.push_back(parse_scale(s, "RandomChoiceResize.scales"));
  }
  bool apply(Sample& s, Rng& rng) override {
    if (!o_.short_sides.empty()) {
      const int64_t side = o_.short_sides[uniform_int(rng, 0, int64_t(o_.short_sides.size()) - 1)];
      auto [nw, nh] = short_side_size(pipe::image_width(s), pipe::image_height(s), side, o_.max_size);
      pipe::resize_sample(s, nw, nh);
    } else {
      const auto& sc = scales_[uniform_int(rng, 0, int64_t(scales_.size()) - 1)];
      resize_to_scale(s, sc.first, sc.second, o_.keep_ratio, true);
    }
    return true;
  }

 private:
  RandomChoiceResizeOptions o_;
  std::vector<std::pair<int64_t, int64_t>> scales_;
};
DETSEQ_REGISTER_AS(Transform, RandomChoiceResize, RandomChoiceResizeOptions, "RandomChoiceResize",
                   "resize to one scale picked at random from a list");

}  // namespace detseq
