// Runner: builds a training / evaluation run from a merged config (mmengine key names) and runs
// the loops, calling hooks at every stage.
//
//   Config cfg = load_config("configs/pix2seq/x.yaml", overrides);
//   RunnerLaunch launch; launch.work_dir = "work_dirs/x"; launch.resume = "auto";
//   auto runner = Runner::from_config(cfg, launch);
//   runner->train();                       // or: runner->load_checkpoint(path); runner->test();
//
// Components are built lazily on first use, so `test()` never needs a train dataloader or an
// optimizer. Multi-process runs: construct after dist::init_from_env() (from_config calls it
// when the torchrun variables say WORLD_SIZE > 1 and no group is installed yet).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/engine/hook.h"
#include "core/engine/message_hub.h"
#include "core/interfaces/data.h"
#include "core/interfaces/metric.h"
#include "core/interfaces/model.h"

namespace detseq {

class OptimWrapper;
class GradSync;
class ParamScheduler;
class TrainLoop;

// What the command line adds on top of the config (each overrides the config's key when set).
struct RunnerLaunch {
  std::string work_dir;   // config `work_dir`; default work_dirs/<config file stem>
  std::string resume;     // "", "auto" (the work dir's last_checkpoint) or a checkpoint path
  std::string load_from;  // weights only (model state dict), no training state
  bool amp = false;       // bf16 autocast (CPU); an error where LibTorch cannot do it
  bool write_config = true;  // write the merged config into the work dir (rank 0)
};

enum class RunnerMode { Idle, Train, Val, Test };

class Runner {
 public:
  static std::unique_ptr<Runner> from_config(const Config& config, const RunnerLaunch& launch = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs train_cfg's loop (with validation every val_interval when val_dataloader is set).
  // Holds the work dir's lock (a second training there is refused) and removes temp files left by
  // a killed save. SIGINT / SIGTERM end it after the current iteration with a resumable
  // checkpoint and TrainingInterrupted (core/engine/stop_signals.h).
  void train();
  // One pass over val_dataloader / test_dataloader with val_evaluator / test_evaluator.
  // Metrics are computed on rank 0 from every rank's gathered results and returned on all ranks
  // (empty when no evaluator is configured).
  MetricResults val();
  MetricResults test();

  // Checkpoints. `resume` restores optimizer, schedulers, counters, RNG and sampler position too;
  // otherwise only the model weights: a detseq checkpoint by name, any other file (e.g. released
  // weights of another code base) through the config's checkpoint mapping
  // (io::model_checkpoint_mapping). `strict`: every key must fit (else an error naming them).
  void load_checkpoint(const std::string& path, bool resume = false, bool strict = true);
  // Writes <work_dir>/<filename> atomically on rank 0 and returns the full path ("" on other
  // ranks). Every rank must call it: it gathers each rank's RNG state (rng_state.h).
  // Refuses (detseq::Error) a model whose weights hold NaN or Inf: a diverged run never becomes
  // the last or the best checkpoint.
  std::string save_checkpoint(const std::string& filename);
  // Records `path` in <work_dir>/last_checkpoint, which `resume: auto` reads (rank 0 only).
  void mark_last_checkpoint(const std::string& path);

  // ---- accessors for hooks and tools ---------------------------------------------------------
  const Config& config() const { return config_; }
  Detector& model();
  std::shared_ptr<Detector> model_ptr();
  torch::Device device() const { return device_; }
  // Built on first access; throw detseq::Error when the config has no such section.
  DataLoader& train_dataloader();
  DataLoader& val_dataloader();
  DataLoader& test_dataloader();
  bool has_val() const;   // val_dataloader configured (and val_cfg not null)
  bool has_test() const;  // test_dataloader configured
  // Dataset meta (classes, palette) of the first dataloader built, or nullptr.
  const DatasetMeta* dataset_meta();
  OptimWrapper& optim_wrapper();
  std::vector<std::shared_ptr<ParamScheduler>>& param_schedulers();

  const std::string& work_dir() const { return work_dir_; }
  // <work_dir>/<timestamp>: this run's log file, vis_data/scalars.json, config copy.
  const std::string& log_dir() const { return log_dir_; }
  const std::string& timestamp() const { return timestamp_; }

  RunnerMode mode() const { return mode_; }
  // The train loop's counters (0 without train_cfg), as mmengine's runner.epoch / runner.iter.
  // They are updated BEFORE the after_* hooks run (unlike mmengine, where hooks add 1):
  // in after_train_iter, iter() counts the iteration just finished; in after_train_epoch,
  // epoch() counts the epoch just finished. Elsewhere epoch() is the 0-based current epoch.
  int64_t epoch() const;
  int64_t iter() const;  // training iterations done (global)
  // max_iters of an epoch-based loop (max_epochs of an iteration-based one) is known once
  // training has built its data loader.
  int64_t max_epochs() const;
  int64_t max_iters() const;
  bool by_epoch() const;
  bool amp() const { return amp_; }
  uint64_t seed() const { return seed_; }

  MessageHub& message_hub() { return hub_; }
  // Every detection of the last test() on this rank (in dataset order of this rank's shard).
  const std::vector<Detections>& test_outputs() const { return test_outputs_; }

  // Ends training after the current iteration (EarlyStoppingHook, CheckInvalidLossHook).
  void request_stop(const std::string& reason);
  bool stop_requested() const { return stop_requested_; }
  const std::string& stop_reason() const { return stop_reason_; }

  const std::vector<std::shared_ptr<Hook>>& hooks() const { return hooks_; }
  // The first hook of that C++ type, or nullptr.
  template <class H>
  H* find_hook() const {
    for (const auto& h : hooks_)
      if (auto* p = dynamic_cast<H*>(h.get())) return p;
    return nullptr;
  }
  // Adds a hook built in code (tools: e.g. a visualization hook from a command-line flag).
  void register_hook(std::shared_ptr<Hook> hook, std::optional<int> priority = std::nullopt);
  // The hook table (stage -> hooks in call order) printed at the start of train/val/test.
  std::string hook_table() const;

  // ---- used by the loops (public so that loops stay small, separate files) ------------------
  template <class Fn>
  void call_hooks(Fn&& fn) {
    for (auto& h : hooks_) fn(*h);
  }
  void set_mode(RunnerMode mode) { mode_ = mode; }
  // DistSamplerSeedHook turns this on: each epoch's data order then depends on the epoch
  // (start_epoch(epoch)); without it every epoch repeats epoch 0's order, as mmengine's sampler
  // without set_epoch.
  void set_sampler_seed_per_epoch(bool on) { sampler_seed_per_epoch_ = on; }
  bool sampler_seed_per_epoch() const { return sampler_seed_per_epoch_; }
  // Batches of the current epoch already trained (saved in checkpoints as the sampler position).
  int64_t train_batch() const;

 private:
  Runner(const Config& config, const RunnerLaunch& launch);
  // The constructor's steps, in the order it runs them (runner_setup.cpp).
  struct Env;           // env_cfg
  void apply_launch();  // command-line overrides into the config; top-level keys checked
  Env read_env() const;
  void setup_environment(const Env& env);  // log level, process group, threads, determinism, device
  void setup_seed(const Env& env);         // one seed on every rank; torch seeded with it
  void setup_work_dir(const Env& env);     // work dir, this run's log dir and log file
  void dump_config();                      // the merged config into the log dir and the work dir
  void build_loops();                      // train_cfg's loop (kept: it owns the counters); val/test_cfg checked
  void build_optim_wrapper();              // before the model: its errors first, and it may turn amp on
  void build_model();                      // same weights on every rank
  friend struct RunnerInternal;  // runner_internal.h: builders, loops, checkpoint I/O

  Config config_;
  RunnerLaunch launch_;
  std::string work_dir_, log_dir_, timestamp_;
  torch::Device device_{torch::kCPU};
  std::shared_ptr<Detector> model_;
  std::shared_ptr<DataLoader> train_loader_, val_loader_, test_loader_;
  std::vector<std::shared_ptr<Metric>> val_metrics_, test_metrics_;
  std::shared_ptr<TrainLoop> train_loop_;  // train_cfg's loop (owns the counters); null without one
  std::shared_ptr<OptimWrapper> optim_;  // built with the runner, attached to the model on first use
  std::vector<std::shared_ptr<ParamScheduler>> schedulers_;
  std::vector<std::shared_ptr<Hook>> hooks_;
  MessageHub hub_;
  std::vector<Detections> test_outputs_;
  RunnerMode mode_ = RunnerMode::Idle;
  bool amp_ = false;
  uint64_t seed_ = 0;
  bool stop_requested_ = false;
  std::string stop_reason_;
  bool loaded_ = false;            // load_from / resume applied (once, at the first loop)
  bool schedulers_built_ = false;
  bool sampler_seed_per_epoch_ = false;
  int64_t bucket_bytes_ = 25 << 20;  // env_cfg.dist_cfg.bucket_cap_mb
  bool metrics_built_ = false;
  std::unique_ptr<GradSync> grad_sync_;
};

}  // namespace detseq
