// The detseq binary: plot-logs writes a PNG with the curves, eval-json the stats JSON.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/visualization/draw.h"
#include "core/visualization/line_plot.h"
#include "core/visualization/palette.h"

namespace fs = std::filesystem;
using namespace detseq::vis;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("detseq_test_cli_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

int run(const std::string& args, const fs::path& log) {
  const std::string cmd = std::string(DETSEQ_BINARY) + " " + args + " > " + log.string() + " 2>&1";
  return std::system(cmd.c_str());
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

int count_colour(const cv::Mat& img, const Rgb& c) {
  int n = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) {
      const auto& p = img.at<cv::Vec3b>(y, x);
      n += p[0] == c[0] && p[1] == c[1] && p[2] == c[2];
    }
  return n;
}

}  // namespace

// mmengine's validation lines have no `iter`, only `step` = epoch: they are placed at the epoch's
// last training iteration. Without --out the PNG goes beside the first log, and the message says
// where, in the singular for one panel and one run.
TEST(CliPlotLogs, MmengineValidationStepsLandOnTheIterationAxis) {
  const fs::path d = fresh_dir("plot_mmengine");
  {
    std::ofstream a(d / "scalars.json");
    for (int it = 10; it <= 40; it += 10) {
      a << "{\"loss\": 1.0, \"time\": 0.1, \"epoch\": " << (it <= 20 ? 1 : 2) << ", \"iter\": " << it << "}\n";
      if (it % 20 == 0) a << "{\"coco/bbox_mAP\": 0.5, \"step\": " << it / 20 << "}\n";
    }
  }
  ASSERT_EQ(run("plot-logs " + (d / "scalars.json").string() + " --keys bbox_mAP", d / "log.txt"), 0)
      << slurp(d / "log.txt");
  EXPECT_NE(slurp(d / "log.txt").find("wrote " + (d / "curves.png").string() + " (1 panel, 1 run)"), std::string::npos)
      << slurp(d / "log.txt");
  // With the loss panel (iterations 10..40) the axes are shared: the validation point of epoch 1
  // sits at iteration 20, a third of the way across (at "step" 1 it would be off the left edge).
  ASSERT_EQ(run("plot-logs " + (d / "scalars.json").string() + " --keys loss bbox_mAP", d / "log2.txt"), 0);
  const cv::Mat img = load_image((d / "curves.png").string());
  ASSERT_EQ(img.rows, 2 * 320);
  const PlotLayout L;
  const int width = L.width - L.margin_left - L.margin_right, height = L.panel_height - L.margin_top - L.margin_bottom;
  const int x = L.margin_left + static_cast<int>(std::lround((20.0 - 10.0) / 30.0 * (width - 1)));
  const int y = L.panel_height + L.margin_top + height / 2;
  EXPECT_GT(count_colour(img(cv::Rect(x - 3, y - 3, 7, 7)), default_color(0)), 10) << "no marker at iteration 20";
}

TEST(CliPlotLogs, TwoRunsThreeKeysToPng) {
  const fs::path d = fresh_dir("plot");
  fs::create_directories(d / "run_a");
  fs::create_directories(d / "run_b");
  {
    std::ofstream a(d / "run_a" / "scalars.json"), b(d / "run_b" / "scalars.json");
    for (int it = 10; it <= 200; it += 10) {
      a << "{\"loss\": " << 3.0 / it * 10 << ", \"lr\": 0.0001, \"epoch\": 1, \"iter\": " << it << ", \"step\": " << it << "}\n";
      b << "{\"loss\": " << 2.0 / it * 10 << ", \"lr\": 0.0002, \"epoch\": 1, \"iter\": " << it << ", \"step\": " << it << "}\n";
      if (it % 100 == 0)  // validation lines: other keys, lr missing
        a << "{\"coco/bbox_mAP\": " << it / 1000.0 << ", \"epoch\": 1, \"iter\": " << it << ", \"step\": 1}\n";
    }
  }
  const fs::path png = d / "curves.png";
  ASSERT_EQ(run("plot-logs " + (d / "run_a" / "scalars.json").string() + " " + (d / "run_b" / "scalars.json").string() +
                    " --keys loss lr bbox_mAP --out " + png.string(),
                d / "log.txt"),
            0)
      << slurp(d / "log.txt");
  const cv::Mat img = load_image(png.string());
  EXPECT_EQ(img.cols, 1000);
  EXPECT_EQ(img.rows, 3 * 320);  // one panel per key
  // Run colours are the fixed palette's first two; both runs appear in the loss and lr panels,
  // only run_a has bbox_mAP.
  const Rgb a = default_color(0), b = default_color(1);
  EXPECT_GT(count_colour(img.rowRange(0, 320), a), 200);
  EXPECT_GT(count_colour(img.rowRange(0, 320), b), 200);
  EXPECT_GT(count_colour(img.rowRange(320, 640), b), 200);
  EXPECT_GT(count_colour(img.rowRange(640, 960), a), 50);
  // A key in no log: a one-line error naming the keys that exist.
  EXPECT_NE(run("plot-logs " + (d / "run_a" / "scalars.json").string() + " --keys los --out " + png.string(),
                d / "log2.txt"),
            0);
  EXPECT_NE(slurp(d / "log2.txt").find("did you mean 'loss'"), std::string::npos) << slurp(d / "log2.txt");
  fs::remove_all(d);
}

TEST(CliEvalJson, OfficialDemoStatsJson) {
  const std::string data = std::string(DETSEQ_SOURCE_DIR) + "/../shared/data/cocoapi_val2014_100";
  if (!fs::exists(data)) GTEST_SKIP() << data << " not present";
  const fs::path d = fresh_dir("evaljson");
  ASSERT_EQ(run("eval-json " + data + "/instances_val2014_100.json " + data +
                    "/instances_val2014_fakebbox100_results.json --classwise --out " + (d / "m.json").string(),
                d / "log.txt"),
            0)
      << slurp(d / "log.txt");
  const std::string out = slurp(d / "log.txt");
  EXPECT_NE(out.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505"),
            std::string::npos)
      << out;
  const auto j = nlohmann::json::parse(slurp(d / "m.json"));
  ASSERT_EQ(j["stats"].size(), 12u);
  EXPECT_NEAR(j["stats"][0].get<double>(), 0.5045806987249628, 1e-12);
  EXPECT_NEAR(j["stats"][11].get<double>(), 0.5642905982905982, 1e-12);
  EXPECT_EQ(j["bbox_mAP_50"].get<double>(), j["stats"][1].get<double>());
  EXPECT_EQ(j["bbox_AR@100"].get<double>(), j["stats"][8].get<double>());
  EXPECT_EQ(j["classwise"].size(), 80u);
  fs::remove_all(d);
}
