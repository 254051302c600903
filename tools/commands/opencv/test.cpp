// detseq test CONFIG CHECKPOINT [--work-dir D] [--out results.json] [--show-dir DIR]
//                               [--show-score-thr 0.3] [--cfg-options ...]
// Runs the test loop with test_evaluator, prints the metrics and writes <log_dir>/metrics.json.
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/config/config.h"
#include "core/dist/dist.h"
#include "core/engine/runner.h"
#include "core/evaluation/coco_json.h"
#include "core/evaluation/coco_metric.h"
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
  int threads = 0;
  bool allow_partial = false;
};

int run(const Options& o) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  if (!fs::exists(o.checkpoint)) throw Error("checkpoint '" + o.checkpoint + "' does not exist");
  const Config config = load_config(o.config, o.cfg_options);
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
  if (!dist::is_main_process()) return 0;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : metrics) j[k] = v;
  const std::string metrics_path = (fs::path(runner->log_dir()) / "metrics.json").string();
  std::ofstream(metrics_path) << j.dump(2) << "\n";
  for (const auto& [k, v] : metrics) std::printf("%-28s %.4f\n", k.c_str(), v);
  std::printf("metrics written to %s\n", metrics_path.c_str());

  if (!o.out.empty()) {
    if (dist::world_size() > 1)
      std::fprintf(stderr, "warning: --out holds rank 0's share of the images only; use CocoMetric's outfile_prefix for all\n");
    Dataset& ds = runner->test_dataloader().dataset();
    std::vector<CocoResult> all;
    for (const Detections& d : runner->test_outputs()) {
      const auto r = to_coco_results(d, ds);
      all.insert(all.end(), r.begin(), r.end());
    }
    coco::write_results(o.out, all);
    std::printf("%zu detections written to %s (COCO results format)\n", all.size(), o.out.c_str());
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
                 app.add_option("--out", o->out, "write every detection as a COCO results JSON");
                 app.add_option("--show-dir", o->show_dir, "write one picture per image (ground truth | predictions) here");
                 app.add_option("--show-score-thr", o->show_score_thr, "predictions below this score are not drawn");
                 app.add_option("--threads", o->threads, "LibTorch intra-op threads (0: LibTorch's default)");
                 app.add_flag("--allow-partial", o->allow_partial,
                              "load the tensors that fit and keep the rest (default: every key must fit)");
                 add_cfg_options(app, o->cfg_options);
                 return [o] { return run(*o); };
               });

}  // namespace
}  // namespace detseq::cli
