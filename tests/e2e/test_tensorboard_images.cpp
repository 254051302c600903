// `detseq train` with TensorboardVisBackend and DetVisualizationHook: the drawn validation images
// are image summaries in the event file ("val_img" at step iter + batch index, as mmdet), each a
// PNG of the size the summary states and of the JPEG the hook writes to vis_data/vis_image.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "tests/tfevents_reader.h"

namespace fs = std::filesystem;

namespace detseq::test {
namespace {

TEST(TensorboardImages, ValidationImagesArePngSummaries) {
  const fs::path work = fs::temp_directory_path() / "detseq_e2e_tensorboard";
  fs::remove_all(work);
  // One epoch of the tiny DETR on 160 px images, validation after it, every 4th val batch drawn.
  const CommandResult r =
      run_detseq("train configs/detr/detr_r18_tiny8_cpu.yaml --work-dir " + work.string() +
                 " --cfg-options env_cfg.seed=0 env_cfg.num_threads=2 train_cfg.max_epochs=1 train_cfg.val_interval=1"
                 " param_scheduler=[] default_hooks.checkpoint.interval=1 train_pipeline.3.short_sides=[128]"
                 " train_pipeline.3.max_size=160 test_pipeline.1.short_side=128 test_pipeline.1.max_size=160"
                 " 'default_hooks.visualization={type: DetVisualizationHook, draw: true, interval: 4}'"
                 " 'visualizer={type: DetLocalVisualizer, vis_backends: [{type: LocalVisBackend}, {type: "
                 "TensorboardVisBackend}]}'");
  ASSERT_EQ(r.code, 0) << r.out;

  std::vector<fs::path> vis_dirs;
  for (const auto& e : fs::directory_iterator(work))
    if (fs::is_directory(e.path() / "vis_data")) vis_dirs.push_back(e.path() / "vis_data");
  ASSERT_EQ(vis_dirs.size(), 1u);
  const auto files = event_files_in(vis_dirs[0].string());
  ASSERT_EQ(files.size(), 1u);
  std::vector<tfevents::Event> images;
  for (const auto& e : read_event_file(files[0]))
    if (e.has_summary() && e.summary().value_size() == 1 && e.summary().value(0).has_image()) images.push_back(e);
  ASSERT_EQ(images.size(), 2u);  // val batches 0 and 4 of 8 (batch size 1)
  // 8 images in batches of 2: validation after iteration 4.
  EXPECT_EQ(images[0].step(), 4 + 0);
  EXPECT_EQ(images[1].step(), 4 + 4);

  std::vector<fs::path> jpgs;
  for (const auto& e : fs::directory_iterator(vis_dirs[0] / "vis_image")) jpgs.push_back(e.path());
  std::sort(jpgs.begin(), jpgs.end());
  ASSERT_EQ(jpgs.size(), 2u);
  std::vector<cv::Size> jpg_sizes;
  for (const auto& j : jpgs) jpg_sizes.push_back(cv::imread(j.string()).size());

  for (const auto& e : images) {
    const auto& v = e.summary().value(0);
    EXPECT_EQ(v.tag(), "val_img");
    const std::string& png = v.image().encoded_image_string();
    ASSERT_GT(png.size(), 8u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    const cv::Mat decoded = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(decoded.empty());
    EXPECT_EQ(decoded.rows, v.image().height());
    EXPECT_EQ(decoded.cols, v.image().width());
    EXPECT_EQ(decoded.channels(), v.image().colorspace());
    EXPECT_EQ(v.image().colorspace(), 3);
    // Ground truth | predictions side by side, as the JPEG the hook writes.
    EXPECT_NE(std::find(jpg_sizes.begin(), jpg_sizes.end(), decoded.size()), jpg_sizes.end())
        << decoded.cols << "x" << decoded.rows;
  }
}

}  // namespace
}  // namespace detseq::test
