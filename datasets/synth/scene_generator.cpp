#include "datasets/synth/scene_generator.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "core/util/error.h"

namespace detseq::synth {
namespace {

// Item pixels darker than this are background of the 28x28 crop (its soft fringe after scaling):
// they are neither drawn nor part of the box, so boxes are tight around what is visible.
constexpr int kAlphaThreshold = 24;
constexpr int kPlacementAttempts = 40;

// Our own draws on top of mt19937_64 (whose output sequence the standard fixes): the standard
// distributions are implementation-defined, which would make scenes differ between libraries.
struct Draw {
  std::mt19937_64 gen;
  explicit Draw(uint64_t seed) : gen(seed) {}
  double unit() { return static_cast<double>(gen() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double real(double lo, double hi) { return lo + (hi - lo) * unit(); }
  int integer(int lo, int hi) {  // [lo, hi]
    return lo + static_cast<int>(gen() % static_cast<uint64_t>(hi - lo + 1));
  }
};

using Color = std::array<float, 3>;  // BGR, 0..255

Color hsv_color(double h, double s, double v) {  // h in [0, 6)
  const double c = v * s, x = c * (1.0 - std::fabs(std::fmod(h, 2.0) - 1.0)), m = v - c;
  double r = 0, g = 0, b = 0;
  switch (static_cast<int>(h)) {
    case 0: r = c, g = x; break;
    case 1: r = x, g = c; break;
    case 2: g = c, b = x; break;
    case 3: g = x, b = c; break;
    case 4: r = x, b = c; break;
    default: r = c, b = x; break;
  }
  return {static_cast<float>(255 * (b + m)), static_cast<float>(255 * (g + m)), static_cast<float>(255 * (r + m))};
}

// Linear gradient between two dark-to-mid colours along a random direction.
void paint_background(cv::Mat& canvas, Draw& d) {
  const Color c0 = hsv_color(d.real(0, 6), d.real(0.0, 0.7), d.real(0.08, 0.5));
  const Color c1 = hsv_color(d.real(0, 6), d.real(0.0, 0.7), d.real(0.08, 0.5));
  // A random direction without sin/cos: libm's last bit may differ between machines, sqrt's may not.
  double vx = d.real(-1, 1), vy = d.real(-1, 1);
  const double norm = std::sqrt(vx * vx + vy * vy) + 1e-9;
  const float dx = static_cast<float>(vx / norm), dy = static_cast<float>(vy / norm);
  const float half = 0.5f * static_cast<float>(canvas.cols);
  for (int y = 0; y < canvas.rows; ++y) {
    auto* row = canvas.ptr<cv::Vec3f>(y);
    for (int x = 0; x < canvas.cols; ++x) {
      float t = ((x - half) * dx + (y - half) * dy) / static_cast<float>(canvas.cols) + 0.5f;
      t = std::clamp(t, 0.0f, 1.0f);
      for (int c = 0; c < 3; ++c) row[x][c] = c0[c] * (1 - t) + c1[c] * t;
    }
  }
}

// Outlines, bars and blobs in background-like and object-like tones: edges the detector must learn
// to tell from items.
void paint_clutter(cv::Mat& canvas, Draw& d, const SceneOptions& o) {
  const int n = d.integer(o.min_clutter, o.max_clutter), s = canvas.cols;
  for (int i = 0; i < n; ++i) {
    const Color c = hsv_color(d.real(0, 6), d.real(0.0, 0.8), d.real(0.15, 0.75));
    const cv::Scalar color(c[0], c[1], c[2]);
    const int thickness = d.integer(1, 3), kind = d.integer(0, 3);
    const cv::Point p(d.integer(0, s - 1), d.integer(0, s - 1)), q(d.integer(0, s - 1), d.integer(0, s - 1));
    switch (kind) {
      case 0: cv::line(canvas, p, q, color, thickness, cv::LINE_8); break;
      case 1: cv::circle(canvas, p, d.integer(3, std::max(4, s / 6)), color, thickness, cv::LINE_8); break;
      case 2: cv::rectangle(canvas, p, q, color, thickness, cv::LINE_8); break;
      default: cv::circle(canvas, p, d.integer(2, std::max(3, s / 16)), color, cv::FILLED, cv::LINE_8); break;
    }
  }
}

struct ScaledItem {
  cv::Mat alpha;  // CV_8U, thresholded
  int bx0 = 0, by0 = 0, bx1 = 0, by1 = 0;  // tight box of alpha > 0 inside the item
  int64_t pixels = 0;
};

ScaledItem scale_item(const IdxArray& images, int64_t index, int w, int h) {
  const int side = static_cast<int>(images.dims[1]);
  const cv::Mat src(side, side, CV_8U, const_cast<uint8_t*>(images.data.data() + index * images.item_size()));
  ScaledItem item;
  // The bit-exact variant: same bytes whatever SIMD path this machine's OpenCV takes.
  cv::resize(src, item.alpha, cv::Size(w, h), 0, 0, cv::INTER_LINEAR_EXACT);
  item.bx0 = w, item.by0 = h;
  for (int y = 0; y < h; ++y) {
    auto* row = item.alpha.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      if (row[x] < kAlphaThreshold) {
        row[x] = 0;
        continue;
      }
      ++item.pixels;
      item.bx0 = std::min(item.bx0, x), item.by0 = std::min(item.by0, y);
      item.bx1 = std::max(item.bx1, x + 1), item.by1 = std::max(item.by1, y + 1);
    }
  }
  return item;
}

double box_iou(const SceneObject& a, const SceneObject& b) {
  const int iw = std::min(a.x1, b.x1) - std::max(a.x0, b.x0), ih = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  if (iw <= 0 || ih <= 0) return 0.0;
  const double inter = static_cast<double>(iw) * ih;
  const double ua = static_cast<double>(a.x1 - a.x0) * (a.y1 - a.y0) + static_cast<double>(b.x1 - b.x0) * (b.y1 - b.y0);
  return inter / (ua - inter);
}

}  // namespace

void SceneOptions::validate() const {
  auto fail = [](const std::string& m) { throw Error(m); };
  if (size < 32 || size > 4096) fail("--size must be in 32..4096 px, got " + std::to_string(size));
  if (min_objects < 1 || max_objects < min_objects || max_objects > 100)
    fail("--objects must be a range LO-HI with 1 <= LO <= HI <= 100, got " + std::to_string(min_objects) + "-" +
         std::to_string(max_objects));
  if (min_scale < 8 || max_scale < min_scale || max_scale > size)
    fail("--scale must be a range LO-HI with 8 <= LO <= HI <= --size (" + std::to_string(size) + "), got " +
         std::to_string(min_scale) + "-" + std::to_string(max_scale));
  if (!(max_iou >= 0.0 && max_iou <= 1.0)) fail("--max-iou must be in [0, 1], got " + std::to_string(max_iou));
  if (!(min_visible >= 0.0 && min_visible <= 1.0))
    fail("--min-visible must be in [0, 1], got " + std::to_string(min_visible));
  if (noise < 0 || noise > 128) fail("--noise must be in 0..128, got " + std::to_string(noise));
  if (min_clutter < 0 || max_clutter < min_clutter || max_clutter > 1000)
    fail("--clutter must be a range LO-HI with 0 <= LO <= HI <= 1000");
}

Scene render_scene(const ItemPool& pool, const SceneOptions& o, uint64_t seed) {
  Draw d(seed);
  const int s = o.size;
  cv::Mat canvas(s, s, CV_32FC3);
  paint_background(canvas, d);
  paint_clutter(canvas, d, o);

  Scene scene;
  std::vector<int> owner(static_cast<size_t>(s) * s, -1);  // top-most object at each pixel
  std::vector<int64_t> full_pixels, visible;
  const int wanted = d.integer(o.min_objects, o.max_objects);
  for (int k = 0; k < wanted; ++k) {
    const int64_t index = pool.begin + static_cast<int64_t>(d.gen() % static_cast<uint64_t>(pool.end - pool.begin));
    const double side = d.real(o.min_scale, o.max_scale), aspect = d.real(0.82, 1.22);
    const int w = std::clamp(static_cast<int>(std::lround(side * aspect)), 8, s);
    const int h = std::clamp(static_cast<int>(std::lround(side / aspect)), 8, s);
    const ScaledItem item = scale_item(*pool.images, index, w, h);
    if (item.pixels == 0) continue;
    const Color color = hsv_color(d.real(0, 6), d.real(0.3, 1.0), d.real(0.7, 1.0));
    bool placed = false;
    int ox = 0, oy = 0;
    SceneObject obj;
    for (int attempt = 0; attempt < kPlacementAttempts && !placed; ++attempt) {
      // Offsets that keep the item's tight box inside the canvas.
      ox = d.integer(-item.bx0, s - item.bx1);
      oy = d.integer(-item.by0, s - item.by1);
      obj = SceneObject{static_cast<int64_t>((*pool.labels).data[index]), ox + item.bx0, oy + item.by0,
                        ox + item.bx1, oy + item.by1, 0, index};
      placed = true;
      for (const SceneObject& other : scene.objects) placed = placed && box_iou(obj, other) <= o.max_iou;
      if (!placed) continue;
      std::vector<int64_t> covered(scene.objects.size(), 0);
      for (int y = item.by0; y < item.by1; ++y) {
        const auto* a = item.alpha.ptr<uint8_t>(y);
        for (int x = item.bx0; x < item.bx1; ++x) {
          if (!a[x]) continue;
          const int who = owner[static_cast<size_t>(oy + y) * s + ox + x];
          if (who >= 0) ++covered[who];
        }
      }
      for (size_t j = 0; j < covered.size() && placed; ++j)
        placed = static_cast<double>(visible[j] - covered[j]) >= o.min_visible * static_cast<double>(full_pixels[j]);
    }
    if (!placed) continue;
    const int id = static_cast<int>(scene.objects.size());
    for (int y = item.by0; y < item.by1; ++y) {
      const auto* a = item.alpha.ptr<uint8_t>(y);
      auto* row = canvas.ptr<cv::Vec3f>(oy + y);
      for (int x = item.bx0; x < item.bx1; ++x) {
        if (!a[x]) continue;
        // The item's grey level is its opacity, so its texture shows as in the original image.
        const float alpha = std::min(1.0f, a[x] * (1.3f / 255.0f));
        for (int c = 0; c < 3; ++c) row[ox + x][c] = row[ox + x][c] * (1 - alpha) + color[c] * alpha;
        int& who = owner[static_cast<size_t>(oy + y) * s + ox + x];
        if (who >= 0) --visible[who];
        who = id;
      }
    }
    full_pixels.push_back(item.pixels);
    visible.push_back(item.pixels);
    scene.objects.push_back(obj);
  }
  for (size_t j = 0; j < scene.objects.size(); ++j) scene.objects[j].area = visible[j];

  scene.image.create(s, s, CV_8UC3);
  for (int y = 0; y < s; ++y) {
    const auto* src = canvas.ptr<cv::Vec3f>(y);
    auto* dst = scene.image.ptr<cv::Vec3b>(y);
    for (int x = 0; x < s; ++x) {
      for (int c = 0; c < 3; ++c) {
        // Triangular noise (sum of two uniforms): softer tails than uniform, cheap and exact.
        const int n = o.noise ? d.integer(-o.noise, o.noise) + d.integer(-o.noise, o.noise) : 0;
        const int v = static_cast<int>(std::lround(src[x][c])) + n / 2;
        dst[x][c] = static_cast<uint8_t>(std::clamp(v, 0, 255));
      }
    }
  }
  return scene;
}

}  // namespace detseq::synth
