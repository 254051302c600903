// `detseq infer` on a video file: an annotated video with every frame and the detections of each
// frame; --max-frames stops early; a camera that does not exist is a one-line error.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/config/config.h"
#include "core/interfaces/model.h"
#include "core/io/checkpoint.h"
#include "core/io/state_dict.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace detseq;

namespace {

TEST(InferVideo, AnnotatedVideoAndPerFrameDetections) {
  const fs::path dir = fs::temp_directory_path() / ("detseq_infer_video_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Four frames from the bundled images, 128 x 96.
  std::vector<fs::path> images;
  for (const auto& e : fs::directory_iterator(fs::path(DETSEQ_TEST_DATA) / "coco_tiny8" / "images"))
    images.push_back(e.path());
  std::sort(images.begin(), images.end());
  const std::string video = (dir / "clip.mp4").string();
  {
    cv::VideoWriter writer(video, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), 10, cv::Size(128, 96));
    ASSERT_TRUE(writer.isOpened()) << "OpenCV cannot write MPEG-4 here";
    for (int i = 0; i < 4; ++i) {
      cv::Mat frame = cv::imread(images[i % images.size()].string());
      cv::resize(frame, frame, cv::Size(128, 96));
      writer.write(frame);
    }
  }
  // Random weights of the small DETR: this is about frames and files, not about boxes.
  const std::string config_path = std::string(DETSEQ_SOURCE_DIR) + "/configs/detr/detr_r18_tiny8_cpu.yaml";
  const std::vector<std::string> overrides = {"test_pipeline.1.short_side=64", "test_pipeline.1.max_size=96"};
  const Config config = load_config(config_path, overrides);
  auto model = build<Detector>(*config.find("model"), "model");
  const std::string ckpt = (dir / "random.pth").string();
  io::write_checkpoint(ckpt, io::Value::dict().set("state_dict", io::state_dict_to_value(io::module_state_dict(*model))));
  const std::string cfg = " --cfg-options " + overrides[0] + " " + overrides[1];

  const fs::path out = dir / "out";
  auto r = test::run_detseq("infer " + config_path + " " + ckpt + " " + video + " --out-dir " + out.string() +
                                " --score-thr 0" + cfg,
                            300);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("4 frames of " + video), std::string::npos) << r.out;
  cv::VideoCapture written((out / "clip.mp4").string());
  ASSERT_TRUE(written.isOpened());
  EXPECT_EQ(static_cast<int>(written.get(cv::CAP_PROP_FRAME_COUNT)), 4);
  EXPECT_EQ(static_cast<int>(written.get(cv::CAP_PROP_FRAME_WIDTH)), 128);
  std::ifstream in(out / "clip.json");
  const auto json = nlohmann::json::parse(in);
  ASSERT_EQ(json.size(), 4u);
  EXPECT_EQ(json[3]["frame"], 3);
  EXPECT_EQ(json[0]["detections"].size(), 20u) << "score-thr 0 keeps every query of the 20-query model";

  r = test::run_detseq("infer " + config_path + " " + ckpt + " " + video + " --max-frames 2 --out-dir " +
                           (dir / "two").string() + cfg,
                       300);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(dir / "two" / "clip.json")).size(), 2u);

  r = test::run_detseq("infer " + config_path + " " + ckpt + " --camera-id 9 --out-dir " + (dir / "cam").string(), 120);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("camera 9: OpenCV cannot open it"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

}  // namespace
