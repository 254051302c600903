#include "tools/validate_config.h"

#include "core/engine/config_keys.h"
#include "core/engine/configured_hooks.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/param_scheduler.h"
#include "core/interfaces/data.h"
#include "core/interfaces/model.h"
#include "core/io/pretrained.h"

namespace detseq::cli {

void validate_config(const Config& config) {
  // Top-level typos, visualizer backends, auto_scale_lr: the same checks the runner makes.
  check_runner_config(config);
  // The model is cheap to build (random init) and exercises every nested component; pretrained
  // weights are not read (their options are still checked).
  io::ScopedSkipPretrainedLoading skip_weights;
  std::shared_ptr<Detector> model;
  if (const ConfigNode* node = config.find("model")) model = build<Detector>(*node, "model");
  // Pipelines: each transform is built on its own (datasets would read annotation files).
  for (const char* loader : {"train_dataloader", "val_dataloader", "test_dataloader"}) {
    const ConfigNode* pipeline = config.find(std::string(loader) + ".dataset.pipeline");
    if (!pipeline || !pipeline->is_sequence()) continue;
    for (size_t i = 0; i < pipeline->size(); ++i) {
      build<Transform>((*pipeline)[i], std::string(loader) + ".dataset.pipeline." + std::to_string(i));
    }
  }
  // Hooks, the optimizer (over the model's parameters) and the LR schedulers: their keys are
  // otherwise checked only when `train` builds them.
  build_configured_hooks(config.root);
  if (const ConfigNode* node = config.find("optim_wrapper"); node && !node->is_null() && model) {
    build_optim_wrapper(*node, "optim_wrapper", *model);
  }
  if (const ConfigNode* node = config.find("param_scheduler"); node && !node->is_null()) {
    if (node->is_map()) {
      build<ParamScheduler>(*node, "param_scheduler");
    } else if (node->is_sequence()) {
      for (size_t i = 0; i < node->size(); ++i) build<ParamScheduler>((*node)[i], "param_scheduler." + std::to_string(i));
    }
  }
}

}  // namespace detseq::cli
