#include "core/visualization/error_breakdown_plot.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/util/error.h"

namespace detseq::vis {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// Linear interpolation of a curve sampled at `xs` (ascending).
double value_at(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  if (x <= xs.front()) return ys.front();
  if (x >= xs.back()) return ys.back();
  const size_t i = static_cast<size_t>(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin());
  const double t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  return ys[i - 1] + t * (ys[i] - ys[i - 1]);
}

}  // namespace

const std::vector<cv::Vec3b>& error_band_colors() {
  static const std::vector<cv::Vec3b> colors = {
      {255, 255, 255}, {255, 255, 255}, {79, 130, 189}, {191, 79, 77}, {92, 230, 97}, {128, 99, 163}, {255, 153, 0}};
  return colors;
}

cv::Mat draw_error_breakdown(const std::vector<std::vector<double>>& curves, const std::vector<double>& means,
                             const std::vector<std::string>& names, const std::vector<double>& rec_thrs,
                             const std::string& title) {
  if (curves.size() != names.size() || means.size() != names.size() || curves.size() > error_band_colors().size())
    throw Error("draw_error_breakdown: " + std::to_string(curves.size()) + " curves, " +
                std::to_string(names.size()) + " names");
  for (const auto& c : curves)
    if (c.size() != rec_thrs.size() || rec_thrs.size() < 2) throw Error("draw_error_breakdown: curve sizes differ");
  const int left = 60, top = 40, plot_w = 480, plot_h = 400, legend_w = 130, bottom = 50;
  cv::Mat img(top + plot_h + bottom, left + plot_w + 20 + legend_w, CV_8UC3, cv::Scalar(255, 255, 255));
  auto px = [&](double recall) { return left + static_cast<int>(std::lround(recall * (plot_w - 1))); };
  auto py = [&](double precision) { return top + plot_h - 1 - static_cast<int>(std::lround(precision * (plot_h - 1))); };
  const auto& colors = error_band_colors();
  // Bands, column by column: between the previous curve (0 for the first) and this one.
  for (int x = 0; x < plot_w; ++x) {
    const double recall = static_cast<double>(x) / (plot_w - 1);
    double below = 0;
    for (size_t t = 0; t < curves.size(); ++t) {
      const double above = std::clamp(value_at(rec_thrs, curves[t], recall), 0.0, 1.0);
      if (above > below) {
        const cv::Vec3b c = colors[t];
        cv::line(img, {left + x, py(above)}, {left + x, py(below)}, cv::Scalar(c[0], c[1], c[2]));
      }
      below = std::max(below, above);
    }
  }
  // Curve lines.
  for (const auto& c : curves) {
    std::vector<cv::Point> pts;
    for (size_t r = 0; r < rec_thrs.size(); ++r) pts.emplace_back(px(rec_thrs[r]), py(std::clamp(c[r], 0.0, 1.0)));
    cv::polylines(img, pts, false, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  // Axes, ticks every 0.2, labels, title.
  cv::rectangle(img, cv::Rect(left, top, plot_w, plot_h), cv::Scalar(0, 0, 0), 1);
  for (int i = 0; i <= 5; ++i) {
    const double v = i / 5.0;
    char label[8];
    std::snprintf(label, sizeof(label), "%.1f", v);
    cv::line(img, {px(v), top + plot_h}, {px(v), top + plot_h + 4}, cv::Scalar(0, 0, 0));
    cv::putText(img, label, {px(v) - 10, top + plot_h + 18}, kFont, 0.4, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    cv::line(img, {left - 4, py(v)}, {left, py(v)}, cv::Scalar(0, 0, 0));
    cv::putText(img, label, {left - 30, py(v) + 4}, kFont, 0.4, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  cv::putText(img, "recall", {left + plot_w / 2 - 20, top + plot_h + 40}, kFont, 0.5, cv::Scalar(0, 0, 0), 1,
              cv::LINE_AA);
  cv::putText(img, "precision", {4, top - 10}, kFont, 0.45, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  int base = 0;
  const cv::Size ts = cv::getTextSize(title, kFont, 0.55, 1, &base);
  cv::putText(img, title, {left + plot_w / 2 - ts.width / 2, 24}, kFont, 0.55, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  // Legend beside the plot, top first as the bands stack from the bottom: FN at the top.
  const int lx = left + plot_w + 20;
  for (size_t i = 0; i < names.size(); ++i) {
    const size_t t = names.size() - 1 - i;
    const int y = top + 10 + static_cast<int>(i) * 24;
    const cv::Vec3b c = colors[t];
    cv::rectangle(img, cv::Rect(lx, y - 10, 16, 12), cv::Scalar(c[0], c[1], c[2]), cv::FILLED);
    cv::rectangle(img, cv::Rect(lx, y - 10, 16, 12), cv::Scalar(0, 0, 0), 1);
    char text[64];
    std::snprintf(text, sizeof(text), "[%.3f] %s", means[t], names[t].c_str());
    cv::putText(img, text, {lx + 22, y}, kFont, 0.42, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  return img;
}

}  // namespace detseq::vis
