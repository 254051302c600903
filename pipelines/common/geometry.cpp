#include "pipelines/common/geometry.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "core/util/error.h"
#include "pipelines/common/image_tensor.h"
#include "pipelines/common/masks.h"

namespace detseq::pipe {

int64_t image_height(const Sample& sample) { return sample.image.size(0); }
int64_t image_width(const Sample& sample) { return sample.image.size(1); }

void apply_map(Sample& sample, const AxisMap& map, int64_t new_w, int64_t new_h, bool drop_empty) {
  Instances& inst = sample.instances;
  if (inst.size() > 0) {
    inst.boxes = map_boxes(inst.boxes, map, double(new_w), double(new_h)).to(torch::kFloat32);
    if (drop_empty) {
      auto keep = (inst.boxes.select(1, 2) > inst.boxes.select(1, 0)) &
                  (inst.boxes.select(1, 3) > inst.boxes.select(1, 1));
      if (!keep.all().item<bool>()) inst = inst.select(keep);
    }
  }
  sample.meta.compose_x(map.sx, map.ox);
  sample.meta.compose_y(map.sy, map.oy);
  sample.meta.img_width = sample.meta.pad_width = new_w;
  sample.meta.img_height = sample.meta.pad_height = new_h;
}

void drop_small_boxes(Instances& inst, double min_size) {
  if (inst.size() == 0) return;
  auto w = inst.boxes.select(1, 2) - inst.boxes.select(1, 0);
  auto h = inst.boxes.select(1, 3) - inst.boxes.select(1, 1);
  auto keep = (w > min_size) & (h > min_size);
  if (!keep.all().item<bool>()) inst = inst.select(keep);
}

std::pair<int64_t, int64_t> rescale_size(int64_t w, int64_t h, int64_t scale_w, int64_t scale_h) {
  const double long_edge = std::max(scale_w, scale_h), short_edge = std::min(scale_w, scale_h);
  const double factor = std::min(long_edge / std::max(w, h), short_edge / std::min(w, h));
  return {static_cast<int64_t>(w * factor + 0.5), static_cast<int64_t>(h * factor + 0.5)};
}

void resize_sample(Sample& sample, int64_t new_w, int64_t new_h, bool drop_empty) {
  if (new_w <= 0 || new_h <= 0) throw Error("Resize: target size must be positive, got " + std::to_string(new_w) + "x" + std::to_string(new_h));
  const int64_t w = image_width(sample), h = image_height(sample);
  if (new_w != w || new_h != h) {
    cv::Mat out;
    cv::resize(mat_view(sample.image), out, cv::Size(static_cast<int>(new_w), static_cast<int>(new_h)), 0, 0,
               cv::INTER_LINEAR);
    sample.image = tensor_from_mat(out);
    if (sample.instances.masks.defined()) sample.instances.masks = resize_masks(sample.instances.masks, new_w, new_h);
  }
  apply_map(sample, {double(new_w) / w, 0, double(new_h) / h, 0}, new_w, new_h, drop_empty);
}

void crop_sample(Sample& sample, int64_t x0, int64_t y0, int64_t w, int64_t h, bool drop_empty) {
  const int64_t W = image_width(sample), H = image_height(sample);
  if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > W || y0 + h > H) {
    throw Error("crop: window " + std::to_string(x0) + "," + std::to_string(y0) + " " + std::to_string(w) + "x" +
                std::to_string(h) + " is outside the " + std::to_string(W) + "x" + std::to_string(H) + " image");
  }
  // A narrow() view keeps the parent's memory; contiguous() copies just the window.
  sample.image = sample.image.narrow(0, y0, h).narrow(1, x0, w).contiguous();
  Instances& inst = sample.instances;
  if (inst.masks.defined()) inst.masks = inst.masks.narrow(1, y0, h).narrow(2, x0, w).contiguous();
  apply_map(sample, {1, -double(x0), 1, -double(y0)}, w, h, drop_empty);
}

ConfigNode to_node(const PadValue& v) {
  if (v.rgb[0] == v.rgb[1] && v.rgb[1] == v.rgb[2]) return make_scalar(v.rgb[0]);
  ConfigNode out = ConfigNode::sequence();
  for (double c : v.rgb) out.push_back(make_scalar(c));
  return out;
}

void pad_sample(Sample& sample, int64_t pad_w, int64_t pad_h, const PadValue& value) {
  const int64_t w = image_width(sample), h = image_height(sample);
  if (pad_w < w || pad_h < h) {
    throw Error("Pad: target " + std::to_string(pad_w) + "x" + std::to_string(pad_h) + " is smaller than the " +
                std::to_string(w) + "x" + std::to_string(h) + " image (pad after resizing to at most that size)");
  }
  if (pad_w != w || pad_h != h) {
    cv::Mat out;
    cv::copyMakeBorder(mat_view(sample.image), out, 0, static_cast<int>(pad_h - h), 0, static_cast<int>(pad_w - w),
                       cv::BORDER_CONSTANT, cv::Scalar(value.rgb[0], value.rgb[1], value.rgb[2]));
    sample.image = tensor_from_mat(out);
    if (sample.instances.masks.defined()) sample.instances.masks = pad_masks(sample.instances.masks, pad_w, pad_h);
  }
  sample.meta.pad_width = pad_w;
  sample.meta.pad_height = pad_h;
}

}  // namespace detseq::pipe

namespace detseq {

pipe::PadValue ConfigConvert<pipe::PadValue>::from(const ConfigNode& n, const std::string& path) {
  if (n.is_map()) {
    if (!n.has("img"))
      throw ConfigError(describe_location(path, n) + ": a pad_val dict needs an 'img' value, e.g. {img: 0, seg: 255}");
    return from(n.at("img"), path + ".img");
  }
  if (n.is_sequence()) {
    const auto v = n.as<std::vector<double>>(path);
    if (v.size() != 3) {
      throw ConfigError(describe_location(path, n) + ": expected one number or 3 (one per channel, RGB), got " +
                        std::to_string(v.size()));
    }
    pipe::PadValue out;
    out.rgb = {v[0], v[1], v[2]};
    return out;
  }
  return pipe::PadValue(n.as<double>(path));
}

}  // namespace detseq
