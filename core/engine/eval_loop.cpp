// Validation and test loops: predict every batch, feed the evaluator, gather the per-rank results on
// rank 0, compute there and share the scores with every rank.
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/dist/dist.h"
#include "core/engine/amp.h"
#include "core/engine/run_guard.h"
#include "core/engine/runner_internal.h"
#include "core/logging/logging.h"
#include "core/logging/progress_bar.h"
#include "core/util/error.h"

namespace detseq {
namespace {

std::vector<Detections> to_cpu(std::vector<Detections> dets) {
  for (auto& d : dets) {
    if (d.boxes.defined()) d.boxes = d.boxes.cpu();
    if (d.scores.defined()) d.scores = d.scores.cpu();
    if (d.labels.defined()) d.labels = d.labels.cpu();
  }
  return dets;
}

// Rank 0 computes; every rank gets the same map back (exact: doubles printed with 17 digits).
MetricResults gather_and_compute(std::vector<std::shared_ptr<Metric>>& metrics) {
  MetricResults results;
  for (auto& metric : metrics) {
    const auto all = dist::all_gather_bytes(metric->serialize_results());
    if (!dist::is_main_process()) continue;
    for (size_t r = 1; r < all.size(); ++r) metric->merge_results(all[r]);
    for (const auto& [k, v] : metric->compute()) results[k] = v;
  }
  std::ostringstream os;
  for (const auto& [k, v] : results) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", v);
    os << k << '\t' << buf << '\n';
  }
  const std::string text = dist::all_gather_bytes(os.str()).at(0);
  MetricResults shared;
  std::istringstream is(text);
  std::string line;
  while (std::getline(is, line)) {
    const auto tab = line.rfind('\t');
    if (tab != std::string::npos) shared[line.substr(0, tab)] = std::stod(line.substr(tab + 1));
  }
  return shared;
}

}  // namespace

MetricResults RunnerInternal::run_eval(Runner& r, bool test) {
  load_or_resume(r);
  DataLoader& loader = test ? r.test_dataloader() : r.val_dataloader();
  if (!r.metrics_built_) {
    r.val_metrics_ = build_evaluator(r, "val_evaluator");
    r.test_metrics_ = build_evaluator(r, "test_evaluator");
    r.metrics_built_ = true;
  }
  auto& metrics = test ? r.test_metrics_ : r.val_metrics_;
  const RunnerMode previous = r.mode();
  r.set_mode(test ? RunnerMode::Test : RunnerMode::Val);
  if (test) r.test_outputs_.clear();

  MetricResults results;
  // Whatever the evaluation throws, the model leaves in the mode it came in with (run_guard.h).
  guarded(r, test ? "test" : "validation", [&] { results = evaluate_phase(r, loader, metrics, test); }, [&] {
    if (previous == RunnerMode::Train) r.model().train();
    r.set_mode(previous);
  });
  if (previous == RunnerMode::Train) r.model().train();
  r.set_mode(previous);
  return results;
}

MetricResults RunnerInternal::evaluate_phase(Runner& r, DataLoader& loader, std::vector<std::shared_ptr<Metric>>& metrics,
                                             bool test) {
  r.call_hooks([&](Hook& h) { test ? h.before_test(r) : h.before_val(r); });
  r.call_hooks([&](Hook& h) { test ? h.before_test_epoch(r) : h.before_val_epoch(r); });
  for (auto& m : metrics) m->reset(loader.dataset());
  r.model().eval();
  loader.start_epoch(0, 0);
  ProgressBar bar(test ? "test" : "val", loader.batches_per_epoch(), dist::is_main_process());
  int64_t idx = 0;
  while (auto batch = loader.next()) {
    r.call_hooks([&](Hook& h) { test ? h.before_test_iter(r, idx, *batch) : h.before_val_iter(r, idx, *batch); });
    std::vector<Detections> dets;
    {
      torch::NoGradGuard no_grad;
      AutocastGuard autocast(r.amp());
      dets = to_cpu(amp_checked(r.amp(), [&] { return r.model().predict(r.device().is_cpu() ? *batch : batch->to(r.device())); }));
    }
    process_metrics(metrics, *batch, dets);
    r.call_hooks([&](Hook& h) {
      test ? h.after_test_iter(r, idx, *batch, dets) : h.after_val_iter(r, idx, *batch, dets);
    });
    if (test) r.test_outputs_.insert(r.test_outputs_.end(), dets.begin(), dets.end());
    bar.update();
    ++idx;
  }
  bar.finish();
  const MetricResults results = gather_and_compute(metrics);
  const std::string prefix = test ? "test/" : "val/";
  for (const auto& [k, v] : results) r.message_hub().update_scalar(prefix + k, v);
  r.call_hooks([&](Hook& h) { test ? h.after_test_epoch(r, results) : h.after_val_epoch(r, results); });
  r.call_hooks([&](Hook& h) { test ? h.after_test(r) : h.after_val(r); });
  return results;
}

void RunnerInternal::process_metrics(std::vector<std::shared_ptr<Metric>>& metrics, const Batch& batch, const std::vector<Detections>& dets) {
  const bool has_repeat = std::any_of(batch.metas.begin(), batch.metas.end(), [](const ImageMeta& m) { return m.padding_repeat; });
  if (!has_repeat) {
    for (auto& m : metrics) m->process(batch, dets);
    return;
  }
  Batch kept;
  kept.images = batch.images, kept.masks = batch.masks;
  std::vector<Detections> kept_dets;
  for (size_t i = 0; i < batch.metas.size(); ++i) {
    if (batch.metas[i].padding_repeat) continue;
    kept.metas.push_back(batch.metas[i]);
    if (i < batch.instances.size()) kept.instances.push_back(batch.instances[i]);
    if (i < dets.size()) kept_dets.push_back(dets[i]);
  }
  if (kept.metas.empty()) return;
  for (auto& m : metrics) m->process(kept, kept_dets);
}

MetricResults Runner::val() {
  const bool standalone = mode_ == RunnerMode::Idle;
  if (!standalone) return RunnerInternal::run_eval(*this, false);  // inside training: its guard closes the run
  MetricResults results;
  run_with_run_hooks(*this, "validation", [&] { results = RunnerInternal::run_eval(*this, false); });
  return results;
}

MetricResults Runner::test() {
  MetricResults results;
  run_with_run_hooks(*this, "test", [&] { results = RunnerInternal::run_eval(*this, true); });
  return results;
}

}  // namespace detseq
