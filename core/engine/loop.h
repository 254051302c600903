// `train_cfg`, `val_cfg` and `test_cfg` name mmengine loop types; each is a component of the
// `loop` family. A loop declares its stage; a train loop also carries its schedule and owns the
// training progress (epoch, iteration, batch of the epoch), as mmengine's loops own _epoch / _iter.
// (The loop bodies are RunnerInternal::run_train / run_eval; a loop with a body of its own would
// add a virtual run() here.)
#pragma once
#include <cstdint>
#include <string>

#include "core/registry/registry.h"

namespace detseq {

struct TrainSchedule {
  bool by_epoch = true;
  int64_t max_epochs = 0;
  int64_t max_iters = 0;
  int64_t val_interval = 1;
  int64_t val_begin = 1;
};

class Loop {
 public:
  virtual ~Loop() = default;
  virtual std::string stage() const = 0;  // "train", "val" or "test"
};

// The Runner's epoch() / iter() / train_batch() read these counters; resume sets them through
// restore(); only the train loop body (train_loop.cpp) advances them.
class TrainLoop : public Loop {
 public:
  explicit TrainLoop(const TrainSchedule& schedule) : schedule_(schedule) {}
  std::string stage() const override { return "train"; }

  const TrainSchedule& schedule() const { return schedule_; }
  // The bound the config leaves open, once the epoch length is known (max_iters of an
  // epoch-based loop, max_epochs = passes over the data of an iteration-based one).
  void set_epoch_length(int64_t batches_per_epoch);

  // Counters are updated BEFORE the after_* hooks run (see Runner::epoch()).
  int64_t epoch() const { return epoch_; }  // epochs finished
  int64_t iter() const { return iter_; }    // iterations finished (global)
  int64_t batch() const { return batch_; }  // batches of the current epoch finished
  // Resume: the position a checkpoint recorded; the current epoch continues at `batch`.
  void restore(int64_t epoch, int64_t iter, int64_t batch);
  void finish_iter() { ++iter_, ++batch_; }
  void finish_epoch() { ++epoch_, batch_ = 0; }

 private:
  TrainSchedule schedule_;
  int64_t epoch_ = 0, iter_ = 0, batch_ = 0;
};

DETSEQ_DECLARE_FAMILY(Loop, "loop", "train_cfg / val_cfg / test_cfg: the runner's loops (mmengine types)");

}  // namespace detseq
