#include "core/visualization/draw.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/util/error.h"

namespace detseq::vis {

std::string ClassStyle::name(int64_t label) const {
  if (label >= 0 && label < static_cast<int64_t>(classes.size())) return classes[label];
  return std::to_string(label);
}

cv::Mat tensor_to_mat(const torch::Tensor& image) {
  if (!image.defined() || image.dim() != 3 || image.size(2) != 3 || image.scalar_type() != torch::kUInt8) {
    throw Error("tensor_to_mat: expected a uint8 [H, W, 3] RGB tensor, got " +
                (image.defined() ? std::string(image.toString()) + " of shape " + c10::str(image.sizes())
                                 : std::string("an undefined tensor")));
  }
  const torch::Tensor cpu = image.to(torch::kCPU).contiguous();
  cv::Mat view(static_cast<int>(cpu.size(0)), static_cast<int>(cpu.size(1)), CV_8UC3, cpu.data_ptr<uint8_t>());
  return view.clone();
}

torch::Tensor mat_to_tensor(const cv::Mat& rgb) {
  if (rgb.type() != CV_8UC3) throw Error("mat_to_tensor: expected a CV_8UC3 image");
  const cv::Mat c = rgb.isContinuous() ? rgb : rgb.clone();
  return torch::from_blob(c.data, {c.rows, c.cols, 3}, torch::kUInt8).clone();
}

namespace {

cv::Scalar scalar(const Rgb& c) { return cv::Scalar(c[0], c[1], c[2]); }

int auto_thickness(const cv::Mat& img, const DrawOptions& o) {
  if (o.thickness > 0) return o.thickness;
  return std::max(1, static_cast<int>(std::lround(std::min(img.rows, img.cols) / 250.0)));
}

double auto_font_scale(const cv::Mat& img, const DrawOptions& o) {
  if (o.font_scale > 0) return o.font_scale;
  return std::clamp(std::min(img.rows, img.cols) / 800.0, 0.35, 1.2);
}

// A filled label box anchored at the box's top-left corner: above the box when there is room,
// otherwise just inside it; shifted left so that it stays inside the image.
void draw_label(cv::Mat& img, const std::string& text, int x, int y, const Rgb& color, double scale) {
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  int baseline = 0;
  const cv::Size ts = cv::getTextSize(text, font, scale, 1, &baseline);
  const int pad = 2;
  const int w = ts.width + 2 * pad, h = ts.height + baseline + 2 * pad;
  int top = y - h;
  if (top < 0) top = std::max(0, y);
  int left = std::clamp(x, 0, std::max(0, img.cols - w));
  top = std::min(top, std::max(0, img.rows - h));
  cv::rectangle(img, cv::Rect(left, top, w, h), scalar(color), cv::FILLED);
  cv::putText(img, text, cv::Point(left + pad, top + pad + ts.height), font, scale,
              scalar(contrasting_text_color(color)), 1, cv::LINE_AA);
}

std::string label_text(const ClassStyle& style, int64_t label, const float* score, bool crowd) {
  std::string text = style.name(label);
  if (crowd) text += " (crowd)";
  if (score != nullptr) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), " %.2f", static_cast<double>(*score));
    text += buf;
  }
  return text;
}

}  // namespace

// Half-transparent fill of each instance mask in its class colour, under the boxes.
static void blend_masks(cv::Mat& rgb, const torch::Tensor& masks, const int64_t* labels, const ClassStyle& style) {
  const torch::Tensor m = masks.to(torch::kCPU, torch::kUInt8).contiguous();
  const int h = std::min<int>(rgb.rows, static_cast<int>(m.size(1))), w = std::min<int>(rgb.cols, static_cast<int>(m.size(2)));
  for (int64_t i = 0; i < m.size(0); ++i) {
    const cv::Mat mask(static_cast<int>(m.size(1)), static_cast<int>(m.size(2)), CV_8UC1, m[i].data_ptr<uint8_t>());
    const Rgb c = style.palette.color(labels[i]);
    for (int y = 0; y < h; ++y) {
      const uint8_t* in = mask.ptr<uint8_t>(y);
      cv::Vec3b* px = rgb.ptr<cv::Vec3b>(y);
      for (int x = 0; x < w; ++x)
        if (in[x]) px[x] = cv::Vec3b((px[x][0] + c[0]) / 2, (px[x][1] + c[1]) / 2, (px[x][2] + c[2]) / 2);
    }
  }
}

void draw_boxes(cv::Mat& rgb, const BoxSet& set, const ClassStyle& style, const DrawOptions& options) {
  if (rgb.type() != CV_8UC3) throw Error("draw_boxes: expected a CV_8UC3 RGB image");
  if (!set.boxes.defined() || set.boxes.numel() == 0) return;
  if (set.boxes.dim() != 2 || set.boxes.size(1) != 4)
    throw Error("draw_boxes: boxes must be [K, 4] xyxy, got " + c10::str(set.boxes.sizes()));
  const int64_t k = set.boxes.size(0);
  const torch::Tensor boxes = set.boxes.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor labels = set.labels.defined() ? set.labels.to(torch::kCPU, torch::kLong).contiguous()
                                                     : torch::zeros({k}, torch::kLong);
  const bool has_scores = set.scores.defined() && set.scores.numel() == k;
  const torch::Tensor scores = has_scores ? set.scores.to(torch::kCPU, torch::kFloat).contiguous() : torch::Tensor();
  const bool has_ignore = set.ignore.defined() && set.ignore.numel() == k;
  const torch::Tensor ignore = has_ignore ? set.ignore.to(torch::kCPU, torch::kBool).contiguous() : torch::Tensor();
  const int thick = auto_thickness(rgb, options);
  const double scale = auto_font_scale(rgb, options);
  const float* b = boxes.data_ptr<float>();
  const int64_t* l = labels.data_ptr<int64_t>();

  // Draw low scores first so the most confident boxes (and their labels) end up on top.
  std::vector<int64_t> order(k);
  for (int64_t i = 0; i < k; ++i) order[i] = i;
  if (has_scores) {
    const float* s = scores.data_ptr<float>();
    std::stable_sort(order.begin(), order.end(), [s](int64_t a, int64_t c) { return s[a] < s[c]; });
  }
  if (set.masks.defined() && set.masks.dim() == 3 && set.masks.size(0) == k) blend_masks(rgb, set.masks, l, style);
  for (int64_t i : order) {
    const float* score = has_scores ? scores.data_ptr<float>() + i : nullptr;
    if (score != nullptr && *score < options.score_thr) continue;
    const bool crowd = has_ignore && ignore.data_ptr<bool>()[i];
    const Rgb color = style.palette.color(l[i]);
    const cv::Point p0(static_cast<int>(std::lround(b[4 * i])), static_cast<int>(std::lround(b[4 * i + 1])));
    const cv::Point p1(static_cast<int>(std::lround(b[4 * i + 2])), static_cast<int>(std::lround(b[4 * i + 3])));
    cv::rectangle(rgb, p0, p1, scalar(color), crowd ? 1 : thick, cv::LINE_8);
    if (options.show_labels) {
      draw_label(rgb, label_text(style, l[i], score, crowd), std::min(p0.x, p1.x), std::min(p0.y, p1.y), color,
                 scale);
    }
  }
}

cv::Mat draw_gt_and_predictions(const cv::Mat& rgb, const BoxSet* gt, const BoxSet* pred, const ClassStyle& style,
                                const DrawOptions& options) {
  cv::Mat right = rgb.clone();
  if (pred != nullptr) draw_boxes(right, *pred, style, options);
  if (gt == nullptr) return right;
  cv::Mat left = rgb.clone();
  DrawOptions gt_options = options;
  gt_options.score_thr = 0;
  draw_boxes(left, *gt, style, gt_options);
  if (pred == nullptr) return left;
  cv::Mat both;
  cv::hconcat(left, right, both);
  return both;
}

void save_image(const std::string& path, const cv::Mat& rgb) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  bool ok = false;
  try {
    ok = cv::imwrite(path, bgr);
  } catch (const cv::Exception& e) {
    throw Error("cannot write image '" + path + "': " + e.msg + " (use a .png or .jpg extension)");
  }
  if (!ok) throw Error("cannot write image '" + path + "' (is the folder writable and the extension .png/.jpg?)");
}

cv::Mat load_image(const std::string& path) {
  const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) throw Error("cannot read image '" + path + "' (missing file or not an image OpenCV can decode)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace detseq::vis
