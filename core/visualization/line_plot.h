// Line plots rendered with OpenCV (no plotting library needed): stacked panels, one per quantity,
// each with several named series (e.g. one per training run), a legend, axis labels and ticks.
#pragma once
#include <opencv2/core.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/visualization/palette.h"

namespace detseq::vis {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in x order
  Rgb color{0, 0, 0};
};

struct PlotPanel {
  std::string title, x_label, y_label;
  std::vector<Series> series;
};

struct PlotLayout {
  int width = 1000;
  int panel_height = 320;
  // Pixel box of the plotting area inside each panel (axes drawn on its left and bottom edges).
  int margin_left = 90, margin_right = 20, margin_top = 34, margin_bottom = 52;
  // Every panel spans the x range of all of them (training and validation curves line up).
  bool share_x = true;
};

// "Nice" tick positions (steps of 1, 2 or 5 x 10^k) covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

// White background, one panel below the other; an empty series draws nothing, an empty panel
// says "no data". The returned image is RGB.
cv::Mat render_plot(const std::vector<PlotPanel>& panels, const PlotLayout& layout = {});

// The pixel of data point (x, y) in panel `index` for the ranges render_plot chose (for tests).
struct PanelAxes {
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;  // data range shown
  cv::Rect area;                           // plotting area in image pixels
  cv::Point to_pixel(double x, double y) const;
};
PanelAxes panel_axes(const std::vector<PlotPanel>& panels, size_t index, const PlotLayout& layout = {});

}  // namespace detseq::vis
