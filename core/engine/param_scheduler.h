// Parameter (learning-rate) schedulers with mmengine semantics, family `param_scheduler`:
// LinearLR, ConstantLR, StepLR, MultiStepLR, CosineAnnealingLR.
//
// Like mmengine they are "chainable": each step multiplies / moves the optimizer group's CURRENT
// lr, so several schedulers with begin/end ranges compose (warmup then decay). A scheduler counts
// its own calls (global_step); inside [begin, end) it advances last_step (relative to begin) and
// updates the values. The runner steps by-epoch schedulers after each epoch and by-iter ones after
// each iteration; `convert_to_iter_based: true` turns epoch units into iterations.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/registry/registry.h"

namespace detseq {

// The values a scheduler moves (one per optimizer param group); implemented by OptimWrapper.
class ScheduledValues {
 public:
  virtual ~ScheduledValues() = default;
  virtual size_t num_values() const = 0;
  virtual double value(size_t i) const = 0;
  virtual void set_value(size_t i, double v) = 0;
  // The value before any scheduler touched it (mmengine's initial_lr).
  virtual double initial_value(size_t i) const = 0;
};

constexpr int64_t kSchedulerInf = 1000000000;  // mmengine's INF

// Options shared by every scheduler.
struct SchedulerCommon {
  int64_t begin = 0;
  int64_t end = kSchedulerInf;
  bool by_epoch = true;
  bool convert_to_iter_based = false;
  template <class V>
  void visit_common(V& v) {
    v("begin", begin, "first step (epoch or iteration) the scheduler acts on");
    v("end", end, "step at which it stops (exclusive)");
    v("by_epoch", by_epoch, "steps are epochs (true) or iterations (false)");
    v("convert_to_iter_based", convert_to_iter_based, "express epoch units in iterations (update every iteration)");
  }
};

class ParamScheduler {
 public:
  explicit ParamScheduler(const SchedulerCommon& common);
  virtual ~ParamScheduler() = default;

  // Turns an epoch-based scheduler into an iteration-based one (before attach()).
  void convert_to_iter_based(int64_t epoch_length);
  bool wants_iter_conversion() const { return convert_ && by_epoch_; }
  // Binds to the values and performs the initial step, as mmengine's constructor does.
  void attach(ScheduledValues& values);
  void step();

  bool by_epoch() const { return by_epoch_; }
  int64_t begin() const { return begin_; }
  int64_t end() const { return end_; }
  virtual std::string type_name() const = 0;

  // Resume state: counters and base values (the optimizer's lrs are stored with the optimizer).
  std::map<std::string, double> state() const;
  void load_state(const std::map<std::string, double>& state);

 protected:
  // New values from the current ones at last_step_ (chainable form).
  virtual std::vector<double> get_value(const std::vector<double>& current) const = 0;
  // Converts scheduler-specific epoch quantities (milestones, step size, T_max).
  virtual void scale_units(int64_t /*epoch_length*/) {}
  virtual void finalize_range() {}  // recompute quantities derived from begin/end

  int64_t last_step_ = -1;  // steps taken inside [begin, end)
  std::vector<double> base_values_;

 private:
  int64_t begin_, end_;
  bool by_epoch_, convert_;
  int64_t global_step_ = -1;  // every call to step()
  ScheduledValues* values_ = nullptr;
};

DETSEQ_DECLARE_FAMILY(ParamScheduler, "param_scheduler", "learning-rate schedule (mmengine semantics)");

}  // namespace detseq
