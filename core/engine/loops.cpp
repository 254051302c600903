// mmengine's loop types: EpochBasedTrainLoop, IterBasedTrainLoop, ValLoop, TestLoop.
#include "core/engine/loop.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Loop);

void TrainLoop::set_epoch_length(int64_t batches_per_epoch) {
  if (schedule_.by_epoch)
    schedule_.max_iters = schedule_.max_epochs * batches_per_epoch;
  else
    schedule_.max_epochs = (schedule_.max_iters + batches_per_epoch - 1) / batches_per_epoch;
}

void TrainLoop::restore(int64_t epoch, int64_t iter, int64_t batch) {
  epoch_ = epoch;
  iter_ = iter;
  batch_ = batch;
}

namespace {

struct EpochLoopOptions {
  std::optional<bool> by_epoch;
  int64_t max_epochs = 0;
  int64_t val_interval = 1;
  int64_t val_begin = 1;
  template <class V>
  void visit(V& v) {
    v("by_epoch", by_epoch, "accepted for mmengine configs; must agree with the type").one_of({true});
    v.required("max_epochs", max_epochs, "epochs to train").positive();
    v("val_interval", val_interval, "validate every N epochs").positive();
    v("val_begin", val_begin, "first epoch to validate at");
  }
};

class EpochBasedTrainLoop : public TrainLoop {
 public:
  explicit EpochBasedTrainLoop(const EpochLoopOptions& o)
      : TrainLoop({true, o.max_epochs, 0, o.val_interval, o.val_begin}) {}
};

struct IterLoopOptions {
  std::optional<bool> by_epoch;
  int64_t max_iters = 0;
  int64_t val_interval = 1;
  int64_t val_begin = 1;
  template <class V>
  void visit(V& v) {
    v("by_epoch", by_epoch, "accepted for mmengine configs; must agree with the type").one_of({false});
    v.required("max_iters", max_iters, "iterations to train").positive();
    v("val_interval", val_interval, "validate every N iterations").positive();
    v("val_begin", val_begin, "first iteration to validate at");
  }
};

class IterBasedTrainLoop : public TrainLoop {
 public:
  explicit IterBasedTrainLoop(const IterLoopOptions& o)
      : TrainLoop({false, 0, o.max_iters, o.val_interval, o.val_begin}) {}
};

struct NoOptions {
  template <class V>
  void visit(V&) {}
};

class ValLoop : public Loop {
 public:
  explicit ValLoop(const NoOptions&) {}
  std::string stage() const override { return "val"; }
};

class TestLoop : public Loop {
 public:
  explicit TestLoop(const NoOptions&) {}
  std::string stage() const override { return "test"; }
};

}  // namespace

DETSEQ_REGISTER_AS(Loop, EpochBasedTrainLoop, EpochLoopOptions, "EpochBasedTrainLoop",
                   "train for max_epochs, validating every val_interval epochs");
DETSEQ_REGISTER_AS(Loop, IterBasedTrainLoop, IterLoopOptions, "IterBasedTrainLoop",
                   "train for max_iters, validating every val_interval iterations");
DETSEQ_REGISTER_AS(Loop, ValLoop, NoOptions, "ValLoop", "run val_dataloader through val_evaluator");
DETSEQ_REGISTER_AS(Loop, TestLoop, NoOptions, "TestLoop", "run test_dataloader through test_evaluator");

}  // namespace detseq
