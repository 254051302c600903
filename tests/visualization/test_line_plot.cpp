// Line plots: ticks are nice numbers, series pass through their data points, legend and panels.
#include <gtest/gtest.h>

#include "core/visualization/line_plot.h"

using namespace detseq::vis;

TEST(LinePlot, NiceTicks) {
  const auto t = nice_ticks(0, 1, 5);
  ASSERT_EQ(t.size(), 6u);
  EXPECT_DOUBLE_EQ(t[1], 0.2);
  const auto u = nice_ticks(3, 97, 5);  // step 20
  EXPECT_DOUBLE_EQ(u.front(), 20);
  EXPECT_DOUBLE_EQ(u.back(), 80);
  const auto s = nice_ticks(1e-4, 9e-4, 4);
  EXPECT_NEAR(s[1] - s[0], 2e-4, 1e-12);
}

TEST(LinePlot, SeriesDrawnThroughTheirPoints) {
  PlotPanel loss{"loss", "iter", "loss", {}};
  loss.series.push_back({"run_a", {{0, 2.0}, {50, 1.0}, {100, 0.5}}, {200, 0, 0}});
  loss.series.push_back({"run_b", {{0, 1.5}, {100, 1.5}}, {0, 0, 200}});
  PlotPanel empty{"bbox_mAP", "iter", "bbox_mAP", {{"run_a", {}, {200, 0, 0}}}};
  const std::vector<PlotPanel> panels{loss, empty};
  const cv::Mat img = render_plot(panels);
  ASSERT_EQ(img.rows, 640);
  ASSERT_EQ(img.cols, 1000);
  const PanelAxes ax = panel_axes(panels, 0);
  auto colour_near = [&](cv::Point p, cv::Vec3b c) {
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        if (img.at<cv::Vec3b>(p.y + dy, p.x + dx) == c) return true;
    return false;
  };
  EXPECT_TRUE(colour_near(ax.to_pixel(50, 1.0), {200, 0, 0}));
  EXPECT_TRUE(colour_near(ax.to_pixel(12.5, 1.75), {200, 0, 0}));  // on the segment between points
  EXPECT_TRUE(colour_near(ax.to_pixel(30, 1.5), {0, 0, 200}));
  // Background stays white away from the lines, and the second panel has an axis box.
  int white = 0;
  for (int y = ax.area.y; y < ax.area.y + ax.area.height; ++y)
    for (int x = ax.area.x; x < ax.area.x + ax.area.width; ++x) white += img.at<cv::Vec3b>(y, x) == cv::Vec3b(255, 255, 255);
  EXPECT_GT(white, 0.8 * ax.area.area());
  const PanelAxes ax2 = panel_axes(panels, 1);
  EXPECT_GE(ax2.area.y, 320);
  EXPECT_NE(img.at<cv::Vec3b>(ax2.area.y, ax2.area.x + 10), cv::Vec3b(255, 255, 255));
}

TEST(LinePlot, SparseSeriesMarkersSharedXAndALegendOffTheCurves) {
  // Training loss over 0..400 falling from the top left; validation mAP: 4 points rising to the
  // top right, where the legend would sit by default.
  PlotPanel loss{"loss", "iter", "loss", {}};
  std::vector<std::pair<double, double>> falling;
  for (int i = 0; i <= 40; ++i) falling.emplace_back(i * 10, 2.0 - i * 0.04);
  loss.series.push_back({"run_a", falling, {200, 0, 0}});
  PlotPanel map{"bbox_mAP", "iter", "bbox_mAP", {{"run_a", {{100, 0.1}, {200, 0.2}, {300, 0.3}, {400, 0.4}}, {0, 0, 200}}}};
  const std::vector<PlotPanel> panels{loss, map};
  const cv::Mat img = render_plot(panels);
  const PanelAxes a0 = panel_axes(panels, 0), a1 = panel_axes(panels, 1);
  // Shared x axis: the validation panel starts at 0 like the training one.
  EXPECT_EQ(a1.x0, a0.x0);
  EXPECT_EQ(a1.x1, a0.x1);
  // A marker (radius 4) around each validation point: pixels of its colour 3 px off the line.
  const cv::Point p = a1.to_pixel(200, 0.2);
  EXPECT_EQ(img.at<cv::Vec3b>(p.y + 3, p.x), cv::Vec3b(0, 0, 200));
  // The legend box (white, grid-coloured border) is not in the top-right corner of the mAP
  // panel, where the curve ends; that corner keeps the curve's colour.
  const cv::Point end = a1.to_pixel(400, 0.4);
  bool curve_visible = false;
  for (int dy = -2; dy <= 2; ++dy)
    for (int dx = -6; dx <= 0; ++dx) curve_visible |= img.at<cv::Vec3b>(end.y + dy, end.x + dx) == cv::Vec3b(0, 0, 200);
  EXPECT_TRUE(curve_visible);
  // Without sharing, each panel keeps its own range.
  PlotLayout own;
  own.share_x = false;
  EXPECT_EQ(panel_axes(panels, 1, own).x0, 100);
}
