// Runner accessors and the components it builds on first use; construction lives in
// runner_setup.cpp, loops in train_loop.cpp / eval_loop.cpp, checkpoints in runner_checkpoint.cpp,
// hook assembly in runner_hooks.cpp.
#include "core/engine/runner.h"

#include "core/engine/grad_sync.h"
#include "core/engine/loop.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/param_scheduler.h"
#include "core/engine/runner_internal.h"
#include "core/logging/logging.h"

namespace detseq {

Runner::~Runner() = default;

Detector& Runner::model() { return *model_; }
std::shared_ptr<Detector> Runner::model_ptr() { return model_; }

DataLoader& Runner::train_dataloader() {
  if (!train_loader_) train_loader_ = RunnerInternal::build_dataloader(*this, "train_dataloader");
  return *train_loader_;
}
DataLoader& Runner::val_dataloader() {
  if (!val_loader_) val_loader_ = RunnerInternal::build_dataloader(*this, "val_dataloader");
  return *val_loader_;
}
DataLoader& Runner::test_dataloader() {
  if (!test_loader_) test_loader_ = RunnerInternal::build_dataloader(*this, "test_dataloader");
  return *test_loader_;
}

bool Runner::has_val() const {
  const ConfigNode* n = config_.root.find("val_dataloader");
  const ConfigNode* c = config_.root.find("val_cfg");
  return n && !n->is_null() && !(c && c->is_null() && config_.root.has("val_cfg"));
}
bool Runner::has_test() const {
  const ConfigNode* n = config_.root.find("test_dataloader");
  return n && !n->is_null();
}

const DatasetMeta* Runner::dataset_meta() {
  for (auto* loader : {train_loader_.get(), val_loader_.get(), test_loader_.get()})
    if (loader) return &loader->dataset().metainfo();
  return nullptr;
}

OptimWrapper& Runner::optim_wrapper() {
  if (!optim_ || !optim_->attached()) {
    RunnerInternal::attach_optim_wrapper(*this);
    if (launch_.amp && !optim_->amp()) DETSEQ_INFO("--amp: bf16 autocast on {}", device_.str());
  }
  return *optim_;
}

std::vector<std::shared_ptr<ParamScheduler>>& Runner::param_schedulers() {
  if (!schedulers_built_) {
    schedulers_built_ = true;
    schedulers_ = RunnerInternal::build_schedulers(*this);
  }
  return schedulers_;
}

void Runner::request_stop(const std::string& reason) {
  if (!stop_requested_) DETSEQ_INFO("stopping training: {}", reason);
  stop_requested_ = true;
  stop_reason_ = reason;
}

int64_t Runner::epoch() const { return train_loop_ ? train_loop_->epoch() : 0; }
int64_t Runner::iter() const { return train_loop_ ? train_loop_->iter() : 0; }
int64_t Runner::train_batch() const { return train_loop_ ? train_loop_->batch() : 0; }
int64_t Runner::max_epochs() const { return train_loop_ ? train_loop_->schedule().max_epochs : 0; }
int64_t Runner::max_iters() const { return train_loop_ ? train_loop_->schedule().max_iters : 0; }
bool Runner::by_epoch() const { return !train_loop_ || train_loop_->schedule().by_epoch; }

}  // namespace detseq
