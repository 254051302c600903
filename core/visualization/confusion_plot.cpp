#include "core/visualization/confusion_plot.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace detseq::vis {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

cv::Size text_size(const std::string& s, double scale, int thickness = 1) {
  int base = 0;
  return cv::getTextSize(s, kFont, scale, thickness, &base);
}

// Text rotated 90° counter-clockwise with its right end at (x, y_top): column labels read upwards.
void put_vertical(cv::Mat& img, const std::string& s, int x_center, int y_top, double scale) {
  const cv::Size sz = text_size(s, scale);
  cv::Mat strip(sz.height + 6, sz.width + 4, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(strip, s, {2, sz.height + 2}, kFont, scale, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  cv::Mat rotated;
  cv::rotate(strip, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
  const int x = x_center - rotated.cols / 2, y = y_top;
  const cv::Rect dst(x, y, rotated.cols, rotated.rows);
  const cv::Rect inside = dst & cv::Rect(0, 0, img.cols, img.rows);
  if (inside.area() == 0) return;
  rotated(cv::Rect(inside.x - x, inside.y - y, inside.width, inside.height)).copyTo(img(inside));
}

}  // namespace

cv::Vec3b confusion_color(double percent) {
  const double v = std::clamp(percent, 0.0, 100.0) * 2.55;
  cv::Mat gray(1, 1, CV_8UC1, cv::Scalar(std::lround(v)));
  cv::Mat bgr;
  cv::applyColorMap(gray, bgr, cv::COLORMAP_PLASMA);
  const cv::Vec3b c = bgr.at<cv::Vec3b>(0, 0);
  return {c[2], c[1], c[0]};
}

cv::Mat draw_confusion_matrix(const coco::ConfusionMatrix& cm, const std::string& title) {
  const int n = static_cast<int>(cm.labels.size());
  const auto pct = cm.row_normalized();
  const int cell = std::clamp(900 / std::max(n, 1), 22, 64);
  const double label_scale = cell >= 40 ? 0.5 : 0.4;
  const double value_scale = std::min(0.5, cell / 80.0);
  int label_w = 0;
  for (const auto& l : cm.labels) label_w = std::max(label_w, text_size(l, label_scale).width);
  const int axis_title = 24, left = label_w + 12 + axis_title, top = 44;
  const int bar_w = 16, bar_gap = 14, bar_labels = 44, right = bar_gap + bar_w + bar_labels;
  const int bottom = label_w + 12 + axis_title;
  const int grid = n * cell;
  cv::Mat img(top + grid + bottom, left + grid + right, CV_8UC3, cv::Scalar(255, 255, 255));

  // Title centred above the grid.
  const cv::Size ts = text_size(title, 0.6, 1);
  cv::putText(img, title, {left + grid / 2 - ts.width / 2, 28}, kFont, 0.6, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const cv::Rect r(left + j * cell, top + i * cell, cell, cell);
      const cv::Vec3b c = confusion_color(pct[i][j]);
      cv::rectangle(img, r, cv::Scalar(c[0], c[1], c[2]), cv::FILLED);
      // The value, dark on the bright end of the map and white on the dark end.
      const std::string v = std::to_string(static_cast<int>(std::lround(pct[i][j])));
      const cv::Size vs = text_size(v, value_scale);
      const cv::Scalar ink = pct[i][j] > 60 ? cv::Scalar(0, 0, 0) : cv::Scalar(255, 255, 255);
      cv::putText(img, v, {r.x + (cell - vs.width) / 2, r.y + (cell + vs.height) / 2}, kFont, value_scale, ink, 1,
                  cv::LINE_AA);
    }
    // Row label (ground truth) right-aligned left of the grid; column label (prediction) below.
    const cv::Size ls = text_size(cm.labels[i], label_scale);
    cv::putText(img, cm.labels[i], {left - 6 - ls.width, top + i * cell + (cell + ls.height) / 2}, kFont,
                label_scale, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    put_vertical(img, cm.labels[i], left + i * cell + cell / 2, top + grid + 6, label_scale);
  }
  cv::rectangle(img, cv::Rect(left, top, grid, grid), cv::Scalar(0, 0, 0), 1);
  // Axis titles.
  const cv::Size xs = text_size("Prediction", 0.5);
  cv::putText(img, "Prediction", {left + grid / 2 - xs.width / 2, img.rows - 8}, kFont, 0.5, cv::Scalar(0, 0, 0), 1,
              cv::LINE_AA);
  put_vertical(img, "Ground Truth", 14, top + grid / 2 - text_size("Ground Truth", 0.5).width / 2, 0.5);
  // Colour bar 0..100 % beside the grid, 100 at the top.
  const int bx = left + grid + bar_gap;
  for (int y = 0; y < grid; ++y) {
    const cv::Vec3b c = confusion_color(100.0 * (grid - 1 - y) / std::max(grid - 1, 1));
    cv::line(img, {bx, top + y}, {bx + bar_w - 1, top + y}, cv::Scalar(c[0], c[1], c[2]));
  }
  cv::rectangle(img, cv::Rect(bx, top, bar_w, grid), cv::Scalar(0, 0, 0), 1);
  for (int p : {0, 25, 50, 75, 100}) {
    const int y = top + (grid - 1) - static_cast<int>(std::lround((grid - 1) * p / 100.0));
    cv::line(img, {bx + bar_w, y}, {bx + bar_w + 3, y}, cv::Scalar(0, 0, 0));
    cv::putText(img, std::to_string(p) + "%", {bx + bar_w + 6, y + 4}, kFont, 0.4, cv::Scalar(0, 0, 0), 1,
                cv::LINE_AA);
  }
  return img;
}

}  // namespace detseq::vis
