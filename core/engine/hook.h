// Hooks: code that runs at fixed stages of the runner (mmengine's stage names and priorities).
//
// A hook is a registry component of family `hook`:
//
//   struct MyHookOptions { int interval = 1; template <class V> void visit(V& v) { v("interval", interval); } };
//   class MyHook : public Hook {
//    public:
//     explicit MyHook(const MyHookOptions& o) : o_(o) {}
//     void after_val_iter(Runner& runner, int64_t batch_idx, const Batch& batch,
//                         const std::vector<Detections>& dets) override { ... }
//   };
//   DETSEQ_REGISTER_AS(Hook, MyHook, MyHookOptions, "MyHook", "one-line doc");
//
// Config: `custom_hooks: [{type: MyHook, interval: 2, priority: LOW}]` or an entry of
// `default_hooks: {name: {type: ...}}`. `priority` (a name below or an int, lower runs first) is
// consumed by the runner, not by the hook's options. Hooks of equal priority run in config order.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config/config_node.h"
#include "core/io/value.h"
#include "core/interfaces/model.h"
#include "core/registry/registry.h"
#include "core/structures/detections.h"
#include "core/structures/sample.h"

namespace detseq {

class Runner;

// mmengine's priority names and values.
enum class Priority : int {
  HIGHEST = 0,
  VERY_HIGH = 10,
  HIGH = 30,
  ABOVE_NORMAL = 40,
  NORMAL = 50,
  BELOW_NORMAL = 60,
  LOW = 70,
  VERY_LOW = 90,
  LOWEST = 100,
};

// "LOW" / "low" / 70 -> 70; anything else is a ConfigError naming `path`.
int parse_priority(const ConfigNode& node, const std::string& path);
std::string priority_name(int priority);  // "LOW" or the number

// Evaluation results by metric name, e.g. {"coco/bbox_mAP": 0.42}.
using MetricResults = std::map<std::string, double>;

// Checkpoints are io::Value dicts (core/io/value.h), written with io::write_checkpoint and
// readable by Python torch.load; mmengine layout: meta, state_dict, optimizer, param_schedulers,
// message_hub, plus what hooks add in before_save_checkpoint (e.g. EMAHook: "ema_state_dict").

class Hook {
 public:
  virtual ~Hook() = default;

  // Default priority of this hook type (mmengine's value for the default hooks).
  virtual int default_priority() const { return static_cast<int>(Priority::NORMAL); }
  int priority() const { return priority_ >= 0 ? priority_ : default_priority(); }
  void set_priority(int priority) { priority_ = priority; }
  // The registered type name (set by the runner when it builds the hook).
  const std::string& type_name() const { return type_name_; }
  void set_type_name(std::string name) { type_name_ = std::move(name); }

  virtual void before_run(Runner&) {}
  virtual void after_run(Runner&) {}
  // A stage stopped with an exception (`what`: its one-line message). Called first while the
  // runner's guard (run_guard.h) unwinds, before it closes the open stages (after_train,
  // after_run), so that a hook can undo what is half done (EMAHook swaps the training weights back).
  virtual void on_exception(Runner&, const std::string& /*what*/) {}

  virtual void before_train(Runner&) {}
  virtual void after_train(Runner&) {}
  virtual void before_train_epoch(Runner&) {}
  virtual void after_train_epoch(Runner&) {}
  // batch_idx is the index inside the epoch (iteration-based loops: inside the current pass).
  virtual void before_train_iter(Runner&, int64_t /*batch_idx*/, const Batch&) {}
  // `losses` are the detached loss terms of this iteration (as returned by Detector::loss).
  virtual void after_train_iter(Runner&, int64_t /*batch_idx*/, const Batch&, const LossDict& /*losses*/) {}

  virtual void before_val(Runner&) {}
  virtual void after_val(Runner&) {}
  virtual void before_val_epoch(Runner&) {}
  // `metrics` are the evaluator's results (computed on rank 0, broadcast to every rank).
  virtual void after_val_epoch(Runner&, const MetricResults& /*metrics*/) {}
  virtual void before_val_iter(Runner&, int64_t /*batch_idx*/, const Batch&) {}
  // `detections` are the model's predictions for `batch` (original image pixels).
  virtual void after_val_iter(Runner&, int64_t /*batch_idx*/, const Batch&,
                              const std::vector<Detections>& /*detections*/) {}

  virtual void before_test(Runner&) {}
  virtual void after_test(Runner&) {}
  virtual void before_test_epoch(Runner&) {}
  virtual void after_test_epoch(Runner&, const MetricResults& /*metrics*/) {}
  virtual void before_test_iter(Runner&, int64_t /*batch_idx*/, const Batch&) {}
  virtual void after_test_iter(Runner&, int64_t /*batch_idx*/, const Batch&,
                               const std::vector<Detections>& /*detections*/) {}

  // `checkpoint` is the dict about to be written; add entries with checkpoint.set(key, value).
  virtual void before_save_checkpoint(Runner&, io::Value& /*checkpoint*/) {}
  // Called on resume (not for weights-only loads) with the dict that was read.
  virtual void after_load_checkpoint(Runner&, const io::Value& /*checkpoint*/) {}

 private:
  int priority_ = -1;  // -1: default_priority()
  std::string type_name_;
};

DETSEQ_DECLARE_FAMILY(Hook, "hook", "code run by the runner at fixed stages (logging, checkpoints, EMA, ...)");

}  // namespace detseq
