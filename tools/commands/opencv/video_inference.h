// `detseq infer` on a video file or a camera (OpenCV VideoCapture), as mmdetection's video and
// webcam demos: every frame through the test pipeline (LoadImageFromFile replaced by
// LoadImageFromNDArray), the predictions drawn into an annotated video, and every frame's
// detections in a JSON file.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace detseq::cli {

// Video files infer recognises by extension (.mp4, .avi, .mov, .mkv, .webm, .m4v, .mpg, .mpeg).
bool is_video_file(const std::string& path);

struct VideoInferenceOptions {
  std::string config, checkpoint;
  std::vector<std::string> cfg_options;
  std::string video;                // a file, or
  std::optional<int> camera_id;     // a camera index
  std::string out_dir = "outputs";  // <out_dir>/<name>.mp4 and <name>.json
  double score_thr = 0.3;
  int64_t max_frames = 0;  // 0: the whole video (a camera: until Ctrl-C)
  bool allow_partial = false;
};

int run_video_inference(const VideoInferenceOptions& options);

}  // namespace detseq::cli
