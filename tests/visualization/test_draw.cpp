// Drawing: boxes land on the right pixels in the class colour, labels are readable, files round trip.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/util/error.h"
#include "core/visualization/draw.h"

using namespace detseq;
using namespace detseq::vis;

namespace {

Rgb pix(const cv::Mat& m, int x, int y) {
  const auto& p = m.at<cv::Vec3b>(y, x);
  return {p[0], p[1], p[2]};
}

BoxSet one_box(float x0, float y0, float x1, float y1, int64_t label, float score = -1) {
  BoxSet s;
  s.boxes = torch::tensor({x0, y0, x1, y1}).view({1, 4});
  s.labels = torch::tensor({label});
  if (score >= 0) s.scores = torch::tensor({score});
  return s;
}

}  // namespace

TEST(Palette, DatasetPaletteWinsAndDefaultIsStable) {
  Palette p({{1, 2, 3}});
  EXPECT_EQ(p.color(0), (Rgb{1, 2, 3}));
  EXPECT_EQ(p.color(5), default_color(5));
  EXPECT_EQ(default_color(5), default_color(5));
  // Neighbouring labels get clearly different colours.
  for (int i = 0; i < 80; ++i) {
    const Rgb a = default_color(i), b = default_color(i + 1);
    const int d = std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
    EXPECT_GT(d, 60) << i;
  }
  EXPECT_EQ(contrasting_text_color({255, 255, 0}), (Rgb{0, 0, 0}));
  EXPECT_EQ(contrasting_text_color({0, 0, 128}), (Rgb{255, 255, 255}));
}

TEST(Draw, BoxEdgesInClassColourInteriorUntouched) {
  cv::Mat img(100, 120, CV_8UC3, cv::Scalar(0, 0, 0));
  ClassStyle style{{"cat", "dog"}, Palette()};
  DrawOptions o;
  o.thickness = 1;
  o.show_labels = false;
  draw_boxes(img, one_box(20, 30, 80, 90, 1), style, o);
  const Rgb c = default_color(1);
  EXPECT_EQ(pix(img, 20, 50), c);  // left edge
  EXPECT_EQ(pix(img, 80, 50), c);  // right edge
  EXPECT_EQ(pix(img, 50, 30), c);  // top edge
  EXPECT_EQ(pix(img, 50, 90), c);  // bottom edge
  EXPECT_EQ(pix(img, 50, 60), (Rgb{0, 0, 0}));
  EXPECT_EQ(pix(img, 10, 10), (Rgb{0, 0, 0}));
}

TEST(Draw, LabelBoxFilledAboveBoxWithContrastingText) {
  cv::Mat img(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  ClassStyle style{{"person"}, Palette({{255, 255, 0}})};
  DrawOptions o;
  o.thickness = 1;
  draw_boxes(img, one_box(50, 100, 150, 180, 0, 0.9f), style, o);
  // The label box sits just above the box's top-left corner: its pixels are the class colour or
  // the (black) text colour; both must appear.
  int colour = 0, text = 0;
  for (int y = 80; y < 100; ++y)
    for (int x = 50; x < 100; ++x) {
      const Rgb p = pix(img, x, y);
      colour += p == Rgb{255, 255, 0};
      text += p == Rgb{0, 0, 0};
    }
  EXPECT_GT(colour, 200);
  EXPECT_GT(text, 10);
  // Below the score threshold nothing is drawn.
  cv::Mat img2(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  o.score_thr = 0.95;
  draw_boxes(img2, one_box(50, 100, 150, 180, 0, 0.9f), style, o);
  EXPECT_EQ(cv::countNonZero(img2.reshape(1)), 0);
}

TEST(Draw, LabelStaysInsideImageAtTopEdge) {
  cv::Mat img(60, 60, CV_8UC3, cv::Scalar(0, 0, 0));
  ClassStyle style{{"a"}, Palette({{200, 0, 0}})};
  draw_boxes(img, one_box(0, 0, 59, 59, 0, 0.5f), style, {});
  EXPECT_EQ(pix(img, 3, 3), (Rgb{200, 0, 0}));  // label box drawn inside the box
}

TEST(Draw, SideBySidePanelsAndTensorRoundTrip) {
  torch::Tensor t = torch::zeros({40, 50, 3}, torch::kUInt8);
  t.index_put_({0, 0}, torch::tensor({7, 8, 9}, torch::kUInt8));
  const cv::Mat m = tensor_to_mat(t);
  EXPECT_EQ(pix(m, 0, 0), (Rgb{7, 8, 9}));
  EXPECT_TRUE(torch::equal(mat_to_tensor(m), t));
  ClassStyle style{{"a"}, Palette({{0, 255, 0}})};
  BoxSet gt = one_box(5, 5, 20, 20, 0);
  BoxSet pred = one_box(25, 5, 45, 30, 0, 0.8f);
  DrawOptions o;
  o.show_labels = false;
  o.thickness = 1;
  const cv::Mat both = draw_gt_and_predictions(m, &gt, &pred, style, o);
  ASSERT_EQ(both.cols, 100);
  EXPECT_EQ(pix(both, 5, 10), (Rgb{0, 255, 0}));        // GT left panel
  EXPECT_EQ(pix(both, 50 + 5, 10), (Rgb{0, 0, 0}));     // not in the prediction panel
  EXPECT_EQ(pix(both, 50 + 25, 10), (Rgb{0, 255, 0}));  // prediction right panel
  EXPECT_THROW(tensor_to_mat(torch::zeros({4, 4}, torch::kFloat)), detseq::Error);
}

TEST(Draw, SaveAndLoadKeepsRgbOrder) {
  const auto dir = std::filesystem::temp_directory_path() / "detseq_test_draw";
  cv::Mat img(10, 10, CV_8UC3, cv::Scalar(250, 10, 20));
  save_image((dir / "sub" / "x.png").string(), img);
  const cv::Mat back = load_image((dir / "sub" / "x.png").string());
  EXPECT_EQ(pix(back, 3, 3), (Rgb{250, 10, 20}));
  EXPECT_THROW(load_image((dir / "missing.png").string()), detseq::Error);
  EXPECT_THROW(save_image((dir / "x.unknownext").string(), img), detseq::Error);
  std::filesystem::remove_all(dir);
}
