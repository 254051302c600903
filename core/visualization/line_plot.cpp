#include "core/visualization/line_plot.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

namespace detseq::vis {
namespace {

// Series with at most this many points (validation metrics) are drawn with a marker per point.
constexpr size_t kMarkerMaxPoints = 30;

const cv::Scalar kBlack(0, 0, 0), kGrid(225, 225, 225), kAxis(60, 60, 60);
const int kFont = cv::FONT_HERSHEY_SIMPLEX;

std::string tick_label(double v, double step) {
  char buf[32];
  if (v == 0) return "0";
  const double a = std::fabs(v);
  if (a >= 1e5 || a < 1e-3) {
    std::snprintf(buf, sizeof(buf), "%.2g", v);
  } else {
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    std::snprintf(buf, sizeof(buf), "%.*f", std::min(decimals, 6), v);
  }
  return buf;
}

void text(cv::Mat& img, const std::string& s, cv::Point p, double scale, const cv::Scalar& c = kBlack) {
  cv::putText(img, s, p, kFont, scale, c, 1, cv::LINE_AA);
}

int text_width(const std::string& s, double scale) {
  int base = 0;
  return cv::getTextSize(s, kFont, scale, 1, &base).width;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag * (1 + 1e-9)) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    ticks.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return ticks;
}

cv::Point PanelAxes::to_pixel(double x, double y) const {
  const double fx = x1 > x0 ? (x - x0) / (x1 - x0) : 0.5;
  const double fy = y1 > y0 ? (y - y0) / (y1 - y0) : 0.5;
  return {area.x + static_cast<int>(std::lround(fx * (area.width - 1))),
          area.y + area.height - 1 - static_cast<int>(std::lround(fy * (area.height - 1)))};
}

PanelAxes panel_axes(const std::vector<PlotPanel>& panels, size_t index, const PlotLayout& L) {
  PanelAxes ax;
  ax.area = cv::Rect(L.margin_left, static_cast<int>(index) * L.panel_height + L.margin_top,
                     L.width - L.margin_left - L.margin_right, L.panel_height - L.margin_top - L.margin_bottom);
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : panels[index].series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  if (!std::isfinite(x0)) return ax;
  if (L.share_x) {
    for (const auto& panel : panels)
      for (const auto& s : panel.series)
        for (const auto& [x, y] : s.points)
          if (std::isfinite(x) && std::isfinite(y)) x0 = std::min(x0, x), x1 = std::max(x1, x);
  }
  if (x1 == x0) x0 -= 0.5, x1 += 0.5;
  if (y1 == y0) {
    const double pad = y0 == 0 ? 1.0 : std::fabs(y0) * 0.1;
    y0 -= pad, y1 += pad;
  } else {
    const double pad = (y1 - y0) * 0.05;
    y0 -= pad, y1 += pad;
  }
  ax.x0 = x0, ax.x1 = x1, ax.y0 = y0, ax.y1 = y1;
  return ax;
}

cv::Mat render_plot(const std::vector<PlotPanel>& panels, const PlotLayout& L) {
  const int rows = std::max<int>(1, panels.size()) * L.panel_height;
  cv::Mat img(rows, L.width, CV_8UC3, cv::Scalar(255, 255, 255));
  for (size_t p = 0; p < panels.size(); ++p) {
    const PlotPanel& panel = panels[p];
    const PanelAxes ax = panel_axes(panels, p, L);
    const cv::Rect& a = ax.area;
    const int top = static_cast<int>(p) * L.panel_height;
    text(img, panel.title, {L.margin_left, top + 22}, 0.6);
    bool any = false;
    for (const auto& s : panel.series) any = any || !s.points.empty();
    if (!any) {
      text(img, "no data", {a.x + a.width / 2 - 30, a.y + a.height / 2}, 0.6, kAxis);
      cv::rectangle(img, a, kAxis, 1);
      continue;
    }
    // Grid and ticks.
    const auto xt = nice_ticks(ax.x0, ax.x1, 8), yt = nice_ticks(ax.y0, ax.y1, 5);
    const double xs = xt.size() > 1 ? xt[1] - xt[0] : 1, ys = yt.size() > 1 ? yt[1] - yt[0] : 1;
    for (double x : xt) {
      const cv::Point q = ax.to_pixel(x, ax.y0);
      cv::line(img, {q.x, a.y}, {q.x, a.y + a.height - 1}, kGrid, 1);
      cv::line(img, {q.x, a.y + a.height - 1}, {q.x, a.y + a.height + 4}, kAxis, 1);
      const std::string s = tick_label(x, xs);
      text(img, s, {q.x - text_width(s, 0.4) / 2, a.y + a.height + 18}, 0.4);
    }
    for (double y : yt) {
      const cv::Point q = ax.to_pixel(ax.x0, y);
      cv::line(img, {a.x, q.y}, {a.x + a.width - 1, q.y}, kGrid, 1);
      cv::line(img, {a.x - 5, q.y}, {a.x, q.y}, kAxis, 1);
      const std::string s = tick_label(y, ys);
      text(img, s, {a.x - 8 - text_width(s, 0.4), q.y + 5}, 0.4);
    }
    cv::rectangle(img, a, kAxis, 1);
    // Axis labels: x below the ticks, y rotated along the left edge.
    text(img, panel.x_label, {a.x + a.width / 2 - text_width(panel.x_label, 0.5) / 2, a.y + a.height + 40}, 0.5);
    if (!panel.y_label.empty()) {
      int base = 0;
      const cv::Size ts = cv::getTextSize(panel.y_label, kFont, 0.5, 1, &base);
      cv::Mat label(ts.height + base + 4, ts.width + 4, CV_8UC3, cv::Scalar(255, 255, 255));
      text(label, panel.y_label, {2, ts.height + 2}, 0.5);
      cv::Mat rotated;
      cv::rotate(label, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
      const int x = 4, y = std::max(top, a.y + a.height / 2 - rotated.rows / 2);
      const int h = std::min(rotated.rows, img.rows - y), w = std::min(rotated.cols, std::max(0, a.x - x));
      if (h > 0 && w > 0) rotated(cv::Rect(0, 0, w, h)).copyTo(img(cv::Rect(x, y, w, h)));
    }
    // Lines, clipped to the plotting area; sparse series (validation points) also get markers,
    // drawn unclipped so that a point on the border stays whole.
    cv::Mat area_view = img(a);
    std::vector<cv::Point> drawn;  // pixels the curves pass through, for placing the legend
    for (const auto& s : panel.series) {
      std::vector<std::pair<double, double>> pts = s.points;
      std::stable_sort(pts.begin(), pts.end(), [](const auto& u, const auto& v) { return u.first < v.first; });
      const cv::Scalar c(s.color[0], s.color[1], s.color[2]);
      std::vector<cv::Point> poly;
      for (const auto& [x, y] : pts)
        if (std::isfinite(x) && std::isfinite(y)) poly.push_back(ax.to_pixel(x, y) - a.tl());
      if (poly.size() > 1) cv::polylines(area_view, poly, false, c, 2, cv::LINE_AA);
      if (!poly.empty() && poly.size() <= kMarkerMaxPoints)
        for (const auto& q : poly) cv::circle(img, q + a.tl(), 4, c, cv::FILLED, cv::LINE_AA);
      for (size_t i = 0; i < poly.size(); ++i) {
        drawn.push_back(poly[i] + a.tl());
        if (i + 1 < poly.size()) {  // samples along the segment, every few pixels
          const cv::Point d = poly[i + 1] - poly[i];
          const int steps = std::max(std::abs(d.x), std::abs(d.y)) / 4;
          for (int k = 1; k < steps; ++k) drawn.push_back(poly[i] + a.tl() + d * k / steps);
        }
      }
    }
    // Legend: in the corner of the plotting area that covers the fewest curve pixels.
    int widest = 0;
    for (const auto& s : panel.series) widest = std::max(widest, text_width(s.name, 0.45));
    const int box_w = widest + 40, box_h = 18 * static_cast<int>(panel.series.size()) + 6;
    const std::array<cv::Point, 4> corners = {cv::Point{a.x + a.width - 6 - box_w, a.y + 4},
                                              cv::Point{a.x + 6, a.y + 4},
                                              cv::Point{a.x + a.width - 6 - box_w, a.y + a.height - 4 - box_h},
                                              cv::Point{a.x + 6, a.y + a.height - 4 - box_h}};
    cv::Rect box(corners[0], cv::Size(box_w, box_h));
    size_t fewest = std::numeric_limits<size_t>::max();
    for (const auto& corner : corners) {
      const cv::Rect r(corner, cv::Size(box_w, box_h));
      const size_t covered = static_cast<size_t>(
          std::count_if(drawn.begin(), drawn.end(), [&](const cv::Point& q) { return r.contains(q); }));
      if (covered < fewest) fewest = covered, box = r;
    }
    cv::rectangle(img, box, cv::Scalar(255, 255, 255), cv::FILLED);
    cv::rectangle(img, box, kGrid, 1);
    int ly = box.y + 4;
    const int lx = box.x + 6;
    for (const auto& s : panel.series) {
      const cv::Scalar c(s.color[0], s.color[1], s.color[2]);
      cv::line(img, {lx, ly + 7}, {lx + 22, ly + 7}, c, 3);
      text(img, s.name, {lx + 28, ly + 12}, 0.45);
      ly += 18;
    }
  }
  return img;
}

}  // namespace detseq::vis
