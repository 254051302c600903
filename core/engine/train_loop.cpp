// Epoch- and iteration-based training loops (mmengine's EpochBasedTrainLoop / IterBasedTrainLoop).
#include <torch/torch.h>

#include <algorithm>
#include <optional>

#include "core/dist/dist.h"
#include "core/engine/amp.h"
#include "core/engine/grad_sync.h"
#include "core/engine/loop.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/run_guard.h"
#include "core/engine/param_scheduler.h"
#include "core/engine/runner_internal.h"
#include "core/engine/stop_signals.h"
#include "core/engine/work_dir_lock.h"
#include "core/io/atomic_file.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace detseq {
namespace {

// One iteration: forward under autocast, backward/step through the optim wrapper, scalars to the hub.
void run_iter(Runner& r, TrainLoop& loop, OptimWrapper& optim, const Batch& batch) {
  const int64_t batch_idx = loop.batch();
  r.call_hooks([&](Hook& h) { h.before_train_iter(r, batch_idx, batch); });
  const Batch on_device = r.device().is_cpu() ? batch : batch.to(r.device());
  r.model().train();
  LossDict losses;
  {
    AutocastGuard autocast(r.amp());
    losses = amp_checked(r.amp(), [&] { return r.model().loss(on_device); });
  }
  if (losses.empty()) throw Error("model.loss() returned no loss terms");
  const torch::Tensor total = total_loss(losses);
  optim.update_params(total);

  LossDict detached;
  auto& hub = r.message_hub();
  for (const auto& [name, value] : losses) {
    detached[name] = value.detach().to(torch::kFloat64).mean();
    hub.update_scalar("train/" + name, detached[name].item<double>());
  }
  hub.update_scalar("train/loss", total.detach().to(torch::kFloat64).item<double>());
  hub.update_scalar("train/lr", optim.value(0));
  if (auto norm = optim.last_grad_norm()) hub.update_scalar("train/grad_norm", *norm);

  loop.finish_iter();
  r.call_hooks([&](Hook& h) { h.after_train_iter(r, batch_idx, batch, detached); });
}

// The stop signal, agreed over ranks: each polls its own, and any one stops all at the same
// iteration (a rank that stopped alone would leave the others waiting in the all-reduce).
int poll_stop_signal() {
  const int mine = pending_stop_signal();
  if (!dist::is_distributed()) return mine;
  int any = 0;
  for (const std::string& s : dist::all_gather_bytes(std::to_string(mine))) any = std::max(any, std::stoi(s));
  return any;
}

// After a stop signal: a resumable checkpoint of the state after the last finished iteration,
// recorded as last_checkpoint, logs flushed, then TrainingInterrupted (exit 128 + signal).
[[noreturn]] void finish_interrupted(Runner& r, int signal) {
  const std::string path = r.save_checkpoint("iter_" + std::to_string(r.iter()) + ".pth");
  r.mark_last_checkpoint(path);
  r.set_mode(RunnerMode::Idle);
  logger()->flush();
  throw TrainingInterrupted(signal, signal_name(signal) + ": training interrupted after iteration " +
                                        std::to_string(r.iter()) + " (epoch " + std::to_string(r.epoch() + 1) +
                                        "); saved " + (path.empty() ? "a checkpoint on rank 0" : path) +
                                        "; continue with --resume auto");
}

bool should_validate(Runner& r, int64_t done, int64_t max, int64_t begin, int64_t interval) {
  return r.has_val() && done >= begin && (done % interval == 0 || done == max);
}

}  // namespace

void RunnerInternal::run_train(Runner& r) {
  if (!r.train_loop_) throw ConfigError("train_cfg: training needs a train_cfg section (e.g. from a _base_ schedule)");
  std::optional<io::Value> resume_ckpt = read_resume_checkpoint(r);
  DataLoader& loader = r.train_dataloader();
  OptimWrapper& optim = r.optim_wrapper();
  const int64_t per_epoch = loader.batches_per_epoch();
  if (per_epoch <= 0) throw Error("train_dataloader yields no batches (dataset smaller than one batch?)");
  if (dist::is_distributed()) {
    // Every rank must step the same number of times, or the gradient all-reduce waits forever.
    for (const std::string& other : dist::all_gather_bytes(std::to_string(per_epoch)))
      if (other != std::to_string(per_epoch))
        throw Error("train_dataloader: ranks have different batch counts per epoch (" + other + " vs " +
                    std::to_string(per_epoch) + "); keep sampler.round_up: true (the default) for training");
  }
  TrainLoop& loop = *r.train_loop_;
  loop.set_epoch_length(per_epoch);
  r.param_schedulers();  // built (and their step-0 lr set) before a resume overwrites their state
  if (dist::is_distributed() && !r.grad_sync_) {
    r.grad_sync_ = std::make_unique<GradSync>(*r.model_, r.bucket_bytes_);
    optim.set_grad_sync(r.grad_sync_.get());
  }
  load_or_resume(r, resume_ckpt);
  if (resume_ckpt && loop.iter() > r.max_iters()) {
    throw Error("resume: the checkpoint is at iteration " + std::to_string(loop.iter()) + ", beyond the " +
                std::to_string(r.max_iters()) + " iterations train_cfg trains in total; raise max_epochs / max_iters");
  }
  if (resume_ckpt && loop.batch() > per_epoch) {
    throw Error("resume: the checkpoint continues at batch " + std::to_string(loop.batch()) + " of an epoch of " +
                std::to_string(per_epoch) + " batches (a corrupt checkpoint, or another batch size / data set)");
  }
  optim.initialize_count_status(loop.iter(), r.max_iters());
  r.stop_requested_ = false;
  r.set_mode(RunnerMode::Train);
  DETSEQ_INFO("hooks:\n{}", r.hook_table());
  DETSEQ_INFO("training {} {} ({} iterations, {} per epoch) from iteration {}",
              r.by_epoch() ? r.max_epochs() : r.max_iters(), r.by_epoch() ? "epochs" : "iterations", r.max_iters(),
              per_epoch, loop.iter());
  r.call_hooks([&](Hook& h) { h.before_train(r); });
  // From here on after_train runs whatever happens (run_guard.h).
  guarded(r, "training", [&] { train_iterations(r, loop, loader, optim, per_epoch); }, [&] {
    call_hooks_noexcept(r, "after_train", [&](Hook& h) { h.after_train(r); });
    r.model().train();
    r.set_mode(RunnerMode::Idle);
  });
  r.call_hooks([&](Hook& h) { h.after_train(r); });
  r.set_mode(RunnerMode::Idle);
}

// The epoch- or iteration-based loop of run_train, between before_train and after_train. Each
// epoch starts at the loop's batch: 0, or where a resumed checkpoint stopped.
void RunnerInternal::train_iterations(Runner& r, TrainLoop& loop, DataLoader& loader, OptimWrapper& optim,
                                      int64_t per_epoch) {
  const TrainSchedule& t = loop.schedule();
  auto start_epoch = [&] { loader.start_epoch(r.sampler_seed_per_epoch_ ? loop.epoch() : 0, loop.batch()); };
  int stop_signal = 0;
  // Polled before each iteration (= after the previous one finished).
  auto signalled = [&] {
    if (stop_signal == 0 && (stop_signal = poll_stop_signal()) != 0) r.request_stop(signal_name(stop_signal));
    return stop_signal != 0;
  };
  if (t.by_epoch) {
    while (loop.epoch() < t.max_epochs && !r.stop_requested_) {
      r.call_hooks([&](Hook& h) { h.before_train_epoch(r); });
      start_epoch();
      while (!r.stop_requested_ && !signalled()) {
        auto batch = loader.next();
        if (!batch) break;
        run_iter(r, loop, optim, *batch);
      }
      if (r.stop_requested_ && loop.batch() < per_epoch) break;  // stopped mid-epoch: not a finished epoch
      loop.finish_epoch();
      r.call_hooks([&](Hook& h) { h.after_train_epoch(r); });
      if (should_validate(r, loop.epoch(), t.max_epochs, t.val_begin, t.val_interval)) {
        r.val();
        r.set_mode(RunnerMode::Train);
      }
    }
  } else {
    r.call_hooks([&](Hook& h) { h.before_train_epoch(r); });
    start_epoch();
    while (loop.iter() < t.max_iters && !r.stop_requested_ && !signalled()) {
      auto batch = loader.next();
      if (!batch) {  // the loader wraps around: a new pass over the data
        loop.finish_epoch();
        start_epoch();
        batch = loader.next();
        if (!batch) throw Error("train_dataloader yielded no batch for a new epoch");
      }
      run_iter(r, loop, optim, *batch);
      if (should_validate(r, loop.iter(), t.max_iters, t.val_begin, t.val_interval)) {
        r.val();
        r.set_mode(RunnerMode::Train);
      }
    }
    if (stop_signal != 0) finish_interrupted(r, stop_signal);
    r.call_hooks([&](Hook& h) { h.after_train_epoch(r); });
  }
  if (stop_signal != 0) finish_interrupted(r, stop_signal);
}

void Runner::train() {
  // Rank 0 locks the work dir; every rank learns whether it could (and stops together if not).
  std::optional<WorkDirLock> lock;
  std::string refused;
  if (dist::is_main_process()) {
    try {
      lock.emplace(work_dir_);
    } catch (const Error& e) {
      refused = e.what();
    }
  }
  if (dist::is_distributed()) refused = dist::all_gather_bytes(refused).at(0);
  if (!refused.empty()) throw Error(refused);
  if (dist::is_main_process()) {
    for (const std::string& f : io::remove_stale_temp_files(work_dir_))
      DETSEQ_INFO("removed {} (left by a save that was killed)", f);
  }
  StopSignalGuard signals;
  run_with_run_hooks(*this, "train", [&] { RunnerInternal::run_train(*this); });
}

}  // namespace detseq
