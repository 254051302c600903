// Moves boxes and meta together with the image: every geometric transform is an axis-aligned
// affine map x' = sx * x + ox, y' = sy * y + oy followed by a clip to the new canvas.
#pragma once
#include <torch/types.h>

#include <array>

#include "core/config/config_node.h"
#include "core/structures/box_mapping.h"
#include "core/structures/sample.h"

namespace detseq::pipe {

// A padding fill value as mmdetection writes it: one number for all channels, one per channel
// [r, g, b], or a dict {img: <number or [r, g, b]>, seg: ...} of which only `img` applies (no
// segmentation maps here). In the image's current units.
struct PadValue {
  std::array<double, 3> rgb{0, 0, 0};
  PadValue() = default;
  PadValue(double v) : rgb{v, v, v} {}  // implicit on purpose: a number is a valid pad value
};
ConfigNode to_node(const PadValue& v);  // the default in `registry describe` (found by ADL)

using detseq::AxisMap;  // core/structures/box_mapping.h

// Applies `map` to the boxes (swapping x1/x2 when sx < 0), composes it onto sample.meta, sets the
// current (and pad) size to new_w x new_h, clips boxes to it and, with drop_empty, removes boxes
// left with zero width or height. The caller has already replaced sample.image.
void apply_map(Sample& sample, const AxisMap& map, int64_t new_w, int64_t new_h, bool drop_empty = true);

// Keeps boxes whose width and height are > min_size (pixels).
void drop_small_boxes(Instances& instances, double min_size);

int64_t image_height(const Sample& sample);
int64_t image_width(const Sample& sample);

// Resized size for a (w, h) image to fit `scale` = (W, H) keeping the aspect ratio, mmcv-style:
// the long side fits max(W, H) and the short side fits min(W, H), whichever is tighter.
std::pair<int64_t, int64_t> rescale_size(int64_t w, int64_t h, int64_t scale_w, int64_t scale_h);

// Resizes the image to exactly (new_w, new_h) (bilinear) and maps boxes/meta.
void resize_sample(Sample& sample, int64_t new_w, int64_t new_h, bool drop_empty = true);

// Crops the window [x0, x0+w) x [y0, y0+h) (must lie inside the image) and maps boxes/meta.
void crop_sample(Sample& sample, int64_t x0, int64_t y0, int64_t w, int64_t h, bool drop_empty = true);

// Pads bottom/right to (pad_w, pad_h) with `value` (per channel, in the image's current units);
// the "current image" size in meta stays, the pad size grows.
void pad_sample(Sample& sample, int64_t pad_w, int64_t pad_h, const PadValue& value);

}  // namespace detseq::pipe

namespace detseq {
template <>
struct ConfigConvert<pipe::PadValue> {
  static constexpr const char* name = "number|[r,g,b]";
  static pipe::PadValue from(const ConfigNode& n, const std::string& path);
};
}  // namespace detseq
