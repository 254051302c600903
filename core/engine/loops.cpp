// mmengine's loop types: EpochBasedTrainLoop, IterBasedTrainLoop, ValLoop, TestLoop.
#include "core/engine/loop.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Loop);

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

class EpochBasedTrainLoop : public Loop {
 public:
  explicit EpochBasedTrainLoop(const EpochLoopOptions& o) : o_(o) {}
  std::string stage() const override { return "train"; }
  TrainSchedule schedule() const override { return {true, o_.max_epochs, 0, o_.val_interval, o_.val_begin}; }

 private:
  EpochLoopOptions o_;
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

class IterBasedTrainLoop : public Loop {
 public:
  explicit IterBasedTrainLoop(const IterLoopOptions& o) : o_(o) {}
  std::string stage() const override { return "train"; }
  TrainSchedule schedule() const override { return {false, 0, o_.max_iters, o_.val_interval, o_.val_begin}; }

 private:
  IterLoopOptions o_;
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
