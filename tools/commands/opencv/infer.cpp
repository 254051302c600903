// detseq infer CONFIG CHECKPOINT PATH... [--out-dir outputs] [--score-thr 0.3] [--batch-size 1]
// detseq infer CONFIG CHECKPOINT VIDEO | --camera-id N [--max-frames N]   (video_inference.h)
// Runs the model on image files or folders (no annotations), writes <out-dir>/vis/<name> with the
// predictions drawn (score >= --score-thr) and <out-dir>/predictions.json with every detection.
// An image that cannot be read is reported (one line naming it) and skipped; the others' results
// are still written, and the exit code is 1 when any image failed.
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/engine/runner.h"
#include "core/io/atomic_file.h"
#include "core/logging/logging.h"
#include "core/logging/progress_bar.h"
#include "core/util/error.h"
#include "core/visualization/det_visualizer.h"
#include "tools/command.h"
#include "tools/commands/opencv/image_inputs.h"
#include "tools/commands/opencv/video_inference.h"

namespace detseq::cli {
namespace {
namespace fs = std::filesystem;

struct Options {
  std::string config, checkpoint, out_dir = "outputs";
  std::vector<std::string> inputs, cfg_options;
  double score_thr = 0.3;
  int batch_size = 1, threads = 0;
  bool allow_partial = false;
  int camera_id = -1;  // >= 0: read frames from this camera
  int64_t max_frames = 0;
};

int run(Options o) {
  apply_threads_flag(o.threads, o.cfg_options);
  if (o.batch_size <= 0) throw Error("--batch-size must be positive");
  const bool video = o.inputs.size() == 1 && is_video_file(o.inputs[0]);
  if (o.camera_id >= 0 || video) {
    if (o.camera_id >= 0 && !o.inputs.empty())
      throw Error("--camera-id reads a camera; give no image or video paths with it");
    VideoInferenceOptions v;
    v.config = o.config, v.checkpoint = o.checkpoint, v.cfg_options = o.cfg_options;
    if (o.camera_id >= 0) v.camera_id = o.camera_id;
    else v.video = o.inputs[0];
    v.out_dir = o.out_dir, v.score_thr = o.score_thr, v.max_frames = o.max_frames, v.allow_partial = o.allow_partial;
    return run_video_inference(v);
  }
  if (o.inputs.empty()) throw Error("give image files, folders or one video (or --camera-id N)");
  for (const auto& in : o.inputs)
    if (is_video_file(in)) throw Error(in + ": a video goes alone (one video per run), not with images");
  const auto files = collect_images(o.inputs);
  const Config config = load_config(o.config, o.cfg_options);
  auto runner = inference_runner(config, o.checkpoint, o.out_dir, o.allow_partial);
  Detector& model = runner->model();
  const Compose pipeline = inference_pipeline(config);
  const std::vector<std::string> classes = class_names(config, o.checkpoint);
  vis::DetVisualizer visualizer({classes, vis::Palette()}, (fs::path(o.out_dir) / "vis").string(), o.score_thr);

  nlohmann::json all = nlohmann::json::array();
  std::vector<std::string> failed;  // "file: reason"
  ProgressBar bar("infer", static_cast<int64_t>(files.size()));
  for (size_t begin = 0; begin < files.size(); begin += o.batch_size) {
    const size_t end = std::min(files.size(), begin + static_cast<size_t>(o.batch_size));
    std::vector<Sample> samples;
    std::vector<size_t> loaded;  // index in `files` of each sample
    for (size_t i = begin; i < end; ++i) {
      try {
        samples.push_back(load_sample(pipeline, files[i], i));
        loaded.push_back(i);
      } catch (const std::exception& e) {  // a corrupt or unreadable image: report, skip, go on
        std::string why = e.what();
        why = why.substr(0, why.find('\n'));
        failed.push_back(why.rfind(files[i], 0) == 0 ? why : files[i] + ": " + why);
        DETSEQ_ERROR("skipped {}", failed.back());
        bar.update();
      }
    }
    if (samples.empty()) continue;
    const Batch batch = collate_samples(config, samples);
    std::vector<Detections> dets;
    {
      torch::NoGradGuard no_grad;
      dets = model.predict(runner->device().is_cpu() ? batch : batch.to(runner->device()));
    }
    for (size_t i = 0; i < dets.size(); ++i) {
      Detections d = dets[i];
      d.boxes = d.boxes.cpu(), d.scores = d.scores.cpu(), d.labels = d.labels.cpu();
      const std::string& file = files[loaded[i]];
      visualizer.write(file, nullptr, d);
      all.push_back({{"file", file}, {"detections", detections_json(d, classes)}});
      bar.update();
    }
  }
  bar.finish();
  const std::string json_path = (fs::path(o.out_dir) / "predictions.json").string();
  io::write_file_atomic(json_path, all.dump(1) + "\n");
  const size_t done = files.size() - failed.size();
  std::printf("%zu images: drawn in %s, detections in %s\n", done, (fs::path(o.out_dir) / "vis").string().c_str(),
              json_path.c_str());
  std::fflush(stdout);  // the summary before the error line
  if (failed.empty()) return 0;
  std::fprintf(stderr, "error: %zu of %zu images could not be read (first: %s); %s has the other %zu\n", failed.size(),
               files.size(), failed.front().c_str(), json_path.c_str(), done);
  return 1;
}

DETSEQ_COMMAND("infer",
               "detect objects in image files or folders, a video or a camera (no annotations); writes drawn "
               "images or an annotated video + JSON",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("config", o->config, "config file (YAML); its test pipeline prepares the images")->required();
                 app.add_option("checkpoint", o->checkpoint, "checkpoint (.pth)")->required()->check(CLI::ExistingFile);
                 app.add_option("inputs", o->inputs, "image files and/or folders, or one video file");
                 app.add_option("--camera-id", o->camera_id, "read frames from this camera (OpenCV index)")
                     ->check(CLI::NonNegativeNumber);
                 app.add_option("--max-frames", o->max_frames, "video / camera: stop after this many frames (0: all)")
                     ->check(CLI::NonNegativeNumber);
                 app.add_option("--out-dir", o->out_dir, "output folder (vis/ images, predictions.json)");
                 app.add_option("--score-thr", o->score_thr, "draw predictions with at least this score");
                 app.add_option("--batch-size", o->batch_size, "images per forward pass");
                 add_threads_flag(app, o->threads);
                 app.add_flag("--allow-partial", o->allow_partial,
                              "load the tensors that fit and keep the rest (default: every key must fit)");
                 add_cfg_options(app, o->cfg_options);
                 return [o] { return run(*o); };
               });

}  // namespace
}  // namespace detseq::cli
