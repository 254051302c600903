// `train_cfg`, `val_cfg` and `test_cfg` name mmengine loop types; each is a component of the
// `loop` family. A loop declares its stage and, for training, its schedule; the Runner reads them.
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
  virtual TrainSchedule schedule() const { return {}; }
};

DETSEQ_DECLARE_FAMILY(Loop, "loop", "train_cfg / val_cfg / test_cfg: the runner's loops (mmengine types)");

}  // namespace detseq
