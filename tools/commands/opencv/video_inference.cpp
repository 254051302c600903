#include "tools/commands/opencv/video_inference.h"

#include <torch/torch.h>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/engine/runner.h"
#include "core/engine/stop_signals.h"
#include "core/io/atomic_file.h"
#include "core/logging/logging.h"
#include "core/logging/progress_bar.h"
#include "core/util/error.h"
#include "core/visualization/draw.h"
#include "pipelines/common/image_tensor.h"
#include "tools/commands/opencv/image_inputs.h"

namespace fs = std::filesystem;

namespace detseq::cli {

bool is_video_file(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"})
    if (ext == e) return true;
  return false;
}

int run_video_inference(const VideoInferenceOptions& o) {
  cv::VideoCapture capture;
  std::string source, name;
  if (o.camera_id) {
    source = "camera " + std::to_string(*o.camera_id);
    name = "camera" + std::to_string(*o.camera_id);
    capture.open(*o.camera_id);
  } else {
    if (!fs::exists(o.video)) throw Error(o.video + ": no such video file");
    source = o.video;
    name = fs::path(o.video).stem().string();
    capture.open(o.video);
  }
  if (!capture.isOpened()) throw Error(source + ": OpenCV cannot open it (unsupported codec, or no such camera)");
  double fps = capture.get(cv::CAP_PROP_FPS);
  if (!(fps > 0 && fps < 1000)) fps = 25;  // cameras and some containers report 0
  const int64_t total = static_cast<int64_t>(capture.get(cv::CAP_PROP_FRAME_COUNT));

  const Config config = load_config(o.config, o.cfg_options);
  auto runner = inference_runner(config, o.checkpoint, o.out_dir, o.allow_partial);
  Detector& model = runner->model();
  const Compose pipeline = inference_pipeline(config, /*from_memory=*/true);
  vis::ClassStyle style;
  style.classes = class_names(config, o.checkpoint);
  vis::DrawOptions draw;
  draw.score_thr = o.score_thr;

  fs::create_directories(o.out_dir);
  const std::string video_path = (fs::path(o.out_dir) / (name + ".mp4")).string();
  const std::string json_path = (fs::path(o.out_dir) / (name + ".json")).string();
  cv::VideoWriter writer;
  nlohmann::json frames = nlohmann::json::array();
  StopSignalGuard signals;  // Ctrl-C ends a camera stream (or a long video) with the frames so far
  int64_t frame_index = 0;
  const int64_t limit = o.max_frames > 0 ? o.max_frames : (total > 0 ? total : -1);
  ProgressBar bar("infer", limit > 0 ? limit : 0);
  cv::Mat bgr;
  while ((o.max_frames <= 0 || frame_index < o.max_frames) && pending_stop_signal() == 0 && capture.read(bgr)) {
    if (bgr.empty()) break;
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    Sample s;
    s.image = pipe::tensor_from_mat(rgb);
    s.meta.file_path = source;
    s.meta.image_id = frame_index;
    s.meta.sample_index = frame_index;
    Rng rng = sample_rng(0, 0, static_cast<uint64_t>(frame_index));
    if (!pipeline.apply(s, rng)) throw Error(source + ": frame " + std::to_string(frame_index) + " dropped by the test pipeline");
    std::vector<Sample> one{std::move(s)};
    const Batch batch = collate_samples(config, one);
    Detections d;
    {
      torch::NoGradGuard no_grad;
      d = model.predict(runner->device().is_cpu() ? batch : batch.to(runner->device())).at(0);
    }
    d.boxes = d.boxes.cpu(), d.scores = d.scores.cpu(), d.labels = d.labels.cpu();
    vis::draw_boxes(rgb, vis::BoxSet::from(d), style, draw);
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    if (!writer.isOpened()) {
      writer.open(video_path, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, bgr.size());
      if (!writer.isOpened()) throw Error(video_path + ": OpenCV cannot write an MPEG-4 video here");
    }
    writer.write(bgr);
    frames.push_back({{"frame", frame_index}, {"detections", detections_json(d, style.classes)}});
    ++frame_index;
    bar.update();
  }
  bar.finish();
  writer.release();
  if (frame_index == 0) throw Error(source + ": no frame could be read");
  io::write_file_atomic(json_path, frames.dump(1) + "\n");
  std::printf("%lld frame%s of %s at %.3g fps: annotated video %s, detections %s\n",
              static_cast<long long>(frame_index), frame_index == 1 ? "" : "s", source.c_str(), fps,
              video_path.c_str(), json_path.c_str());
  if (const int sig = pending_stop_signal()) {
    std::fflush(stdout);
    throw TrainingInterrupted(sig, "infer: stopped by " + signal_name(sig) + " after " + std::to_string(frame_index) +
                                       " frames; the video and detections so far are written");
  }
  return 0;
}

}  // namespace detseq::cli
