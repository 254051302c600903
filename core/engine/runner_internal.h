// Runner internals shared by the engine's .cpp files (not for components or tools).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/runner.h"
#include "core/io/value.h"

namespace detseq {

struct RunnerInternal {
  // runner_hooks.cpp: default_hooks (mmengine defaults filled in) + custom_hooks, sorted by priority.
  static void build_hooks(Runner& runner);
  // runner_build.cpp
  static std::shared_ptr<DataLoader> build_dataloader(Runner& runner, const std::string& key);
  static std::vector<std::shared_ptr<Metric>> build_evaluator(Runner& runner, const std::string& key);
  static std::vector<std::shared_ptr<ParamScheduler>> build_schedulers(Runner& runner);
  // optim_wrapper, its lrs scaled by auto_scale_lr when enabled (before any scheduler reads them).
  static void attach_optim_wrapper(Runner& runner);
  // runner_checkpoint.cpp. Before the first loop: reads the checkpoint named by `resume`
  // (`auto`/true: the work dir's last_checkpoint), adopting its seed when the config sets none,
  // so that the data loaders built afterwards shuffle as in the interrupted run.
  static std::optional<io::Value> read_resume_checkpoint(Runner& runner);
  // Applies it (model, optimizer, schedulers, counters, sampler position, RNG, hooks), or else
  // loads `load_from` weights. Runs once per runner; later calls are no-ops.
  static void load_or_resume(Runner& runner, const std::optional<io::Value>& resume_ckpt = std::nullopt);
  // train_loop.cpp
  static void run_train(Runner& runner);
  static MetricResults evaluate_phase(Runner& runner, DataLoader& loader,
                                      std::vector<std::shared_ptr<Metric>>& metrics, bool test);
  static void train_iterations(Runner& runner, TrainLoop& loop, DataLoader& loader, OptimWrapper& optim,
                               int64_t per_epoch);
  // eval_loop.cpp
  static MetricResults run_eval(Runner& runner, bool test);
  // Feeds one batch to the metrics, leaving out the repeats that pad this rank's share of a
  // distributed split (ImageMeta::padding_repeat): the rank that owns an image evaluates it once.
  static void process_metrics(std::vector<std::shared_ptr<Metric>>& metrics, const Batch& batch,
                              const std::vector<Detections>& dets);
};

}  // namespace detseq
