// detseq test CONFIG CHECKPOINT [--work-dir D] [--out results.{json,pkl}] [--show-dir DIR]
//                               [--show-score-thr 0.3] [--tta] [--launcher none|pytorch|slurm] [--threads N]
//                               [--cfg-options ...]
// Runs the test loop with test_evaluator, prints the metrics and writes <log_dir>/metrics.json.
// --out: .json is a COCO results file, .pkl / .pickle mmdetection 3.x's per-image dump.
// --tta: test-time augmentation with the config's tta_model / tta_pipeline (mmdet's DetTTAModel).
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "core/config/config.h"
#include "core/dist/dist.h"
#include "core/dist/gather_detections.h"
#include "core/engine/runner.h"
#include "core/engine/test_time_aug_config.h"
#include "core/evaluation/coco_json.h"
#include "core/evaluation/coco_metric.h"
#include "core/io/results_pickle.h"
#include "core/util/error.h"
#include "tools/command.h"
#include "tools/commands/opencv/det_visualization_hook.h"

namespace detseq::cli {
namespace {
namespace fs = std::filesystem;

struct Options {
  std::string config, checkpoint, work_dir, out, show_dir;
  double show_score_thr = 0.3;
  std::vector<std::string> cfg_options;
  LaunchFlags launch_flags;
  bool allow_partial = false;
  bool tta = false;
};

enum class OutFormat { CocoJson, Pickle };

// --out's format from its extension, as mmdetection's tools/test.py (.pkl / .pickle) plus COCO JSON.
std::optional<OutFormat> out_format(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".json") return OutFormat::CocoJson;
  if (ext == ".pkl" || ext == ".pickle") return OutFormat::Pickle;
  return std::nullopt;
}

void write_coco_json(const std::string& path, const std::vector<Detections>& outputs, const Dataset& ds) {
  std::vector<CocoResult> all;
  for (const Detections& d : outputs) {
    const auto r = to_coco_results(d, ds);
    all.insert(all.end(), r.begin(), r.end());
  }
  coco::write_results(path, all);
  std::printf("%zu detections written to %s (COCO results format)\n", all.size(), path.c_str());
}

void write_pickle(const std::string& path, const std::vector<Detections>& outputs, const Dataset& ds) {
  std::unordered_map<int64_t, const CocoImage*> images;
  for (const CocoImage& im : ds.ground_truth().images) images.emplace(im.id, &im);
  std::vector<io::DetResultRecord> records;
  records.reserve(outputs.size());
  for (const Detections& d : outputs) {
    const auto it = images.find(d.image_id);
    if (it == images.end())
      throw Error("--out " + path + ": predicted image id " + std::to_string(d.image_id) +
                  " is not an image of test_dataloader's dataset");
    records.push_back({d.image_id, it->second->height, it->second->width, d});
  }
  io::write_results_pickle(path, records);
  std::printf("%zu images' predictions written to %s (mmdetection per-image results pickle)\n", records.size(),
              path.c_str());
}

int run(Options o) {
  apply_launch_flags(o.launch_flags, o.cfg_options);
  if (!fs::exists(o.checkpoint)) throw Error("checkpoint '" + o.checkpoint + "' does not exist");
  Config config = load_config(o.config, o.cfg_options);
  if (o.tta) apply_test_time_augmentation(config);
  RunnerLaunch launch;
  launch.work_dir = o.work_dir;
  auto runner = Runner::from_config(config, launch);
  if (!runner->has_test()) throw Error(o.config + ": no test_dataloader section; `detseq test` needs one");
  runner->load_checkpoint(o.checkpoint, /*resume=*/false, /*strict=*/!o.allow_partial);

  if (!o.show_dir.empty()) {
    // As mmdetection's --show-dir: turn the config's visualization hook on, or add one.
    DetVisualizationHook* hook = runner->find_hook<DetVisualizationHook>();
    if (hook == nullptr) {
      auto made = std::make_shared<DetVisualizationHook>(DetVisualizationHookOptions{});
      made->set_type_name("DetVisualizationHook");
      hook = made.get();
      runner->register_hook(made);
    }
    hook->options().draw = true;
    hook->options().score_thr = o.show_score_thr;
    hook->options().test_out_dir = fs::absolute(o.show_dir).string();
  }

  const MetricResults metrics = runner->test();
  const Dataset& ds = runner->test_dataloader().dataset();
  std::vector<Detections> outputs;
  if (!o.out.empty()) {  // collective: every rank sends its shard, rank 0 keeps them all
    std::vector<int64_t> image_order;
    for (const CocoImage& im : ds.ground_truth().images) image_order.push_back(im.id);
    outputs = dist::gather_detections(runner->test_outputs(), image_order);
  }
  if (!dist::is_main_process()) return 0;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : metrics) j[k] = v;
  const std::string metrics_path = (fs::path(runner->log_dir()) / "metrics.json").string();
  std::ofstream(metrics_path) << j.dump(2) << "\n";
  for (const auto& [k, v] : metrics) std::printf("%-28s %.4f\n", k.c_str(), v);
  std::printf("metrics written to %s\n", metrics_path.c_str());

  if (!o.out.empty()) {
    if (out_format(o.out) == OutFormat::Pickle) write_pickle(o.out, outputs, ds);
    else write_coco_json(o.out, outputs, ds);
  }
  if (!o.show_dir.empty()) std::printf("drawn images in %s\n", fs::absolute(o.show_dir).string().c_str());
  return 0;
}

DETSEQ_COMMAND("test", "evaluate a checkpoint on test_dataloader with test_evaluator (optionally drawing results)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("config", o->config, "config file (YAML)")->required();
                 app.add_option("checkpoint", o->checkpoint, "checkpoint (.pth) with the model weights")->required();
                 app.add_option("--work-dir", o->work_dir, "work dir (default: config work_dir or work_dirs/<config>)");
                 app.add_option("--out", o->out,
                                "write the predictions: .json a COCO results file, .pkl / .pickle mmdetection's "
                                "per-image results (pickle.load-able)")
                     ->check(CLI::Validator(
                         [](const std::string& path) {
                           return out_format(path) ? std::string()
                                                   : "'" + path + "' must end in .json (COCO results) or .pkl / "
                                                                  ".pickle (mmdetection per-image results)";
                         },
                         "PATH.{json,pkl,pickle}"));
                 app.add_option("--show-dir", o->show_dir, "write one picture per image (ground truth | predictions) here");
                 app.add_option("--show-score-thr", o->show_score_thr, "predictions below this score are not drawn");
                 app.add_flag("--tta", o->tta,
                              "test-time augmentation: the config's tta_model wraps model, tta_pipeline feeds it "
                              "(defaults: horizontal-flip views merged by NMS)");
                 add_launch_flags(app, o->launch_flags);
                 app.add_flag("--allow-partial", o->allow_partial,
                              "load the tensors that fit and keep the rest (default: every key must fit)");
                 add_cfg_options(app, o->cfg_options);
                 return [o] { return run(*o); };
               });

}  // namespace
}  // namespace detseq::cli
