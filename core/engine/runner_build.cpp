// Building the lazily-created runner components: data loaders, evaluators, optimizer, LR schedulers.
#include "core/dist/dist.h"
#include "core/engine/auto_scale_lr.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/param_scheduler.h"
#include "core/engine/runner_internal.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace detseq {

std::shared_ptr<DataLoader> RunnerInternal::build_dataloader(Runner& runner, const std::string& key) {
  const ConfigNode* found = runner.config_.root.find(key);
  if (!found || found->is_null()) {
    throw ConfigError("config " + runner.config_.filename + " has no '" + key + "' section (needed to " +
                      (key == "train_dataloader" ? "train" : key == "val_dataloader" ? "validate" : "test") + ")");
  }
  if (!found->is_map()) throw ConfigError(describe_location(key, *found) + ": expected a map (type: DataLoader, ...)");
  ConfigNode node = *found;
  // mmengine configs omit the loader type (a torch DataLoader is implied) and take the seed from
  // the runner; both are filled in here so the loader stays a plain registry component.
  if (!node.has("type")) node["type"] = make_scalar("DataLoader");
  if (!node.has("seed")) node["seed"] = make_scalar(static_cast<int64_t>(runner.seed_));
  auto loader = build<DataLoader>(node, key);
  if (key == "train_dataloader") {
    // Caught here, not at the first label the model cannot represent, many iterations in.
    const auto data_classes = static_cast<int64_t>(loader->dataset().metainfo().classes.size());
    const int64_t model_classes = runner.model_->num_classes();
    if (model_classes > 0 && data_classes > model_classes) {
      throw ConfigError("train_dataloader: the data set has " + std::to_string(data_classes) +
                        " classes but the model has room for " + std::to_string(model_classes) +
                        " (model.head.num_classes, or the Pix2Seq tokenizer's num_classes); set it to " +
                        std::to_string(data_classes) + " or narrow the data set's metainfo.classes");
    }
  }
  DETSEQ_INFO("{}: {} images, {} batches per epoch on this rank", key, loader->dataset().size(),
              loader->batches_per_epoch());
  return loader;
}

std::vector<std::shared_ptr<Metric>> RunnerInternal::build_evaluator(Runner& runner, const std::string& key) {
  std::vector<std::shared_ptr<Metric>> out;
  const ConfigNode* node = runner.config_.root.find(key);
  if (!node || node->is_null()) return out;
  if (node->is_map() && node->has("metrics")) node = &node->at("metrics");  // mmengine Evaluator{metrics: [...]}
  if (node->is_map()) {
    out.push_back(build<Metric>(*node, key));
  } else if (node->is_sequence()) {
    for (size_t i = 0; i < node->size(); ++i) out.push_back(build<Metric>((*node)[i], key + "." + std::to_string(i)));
  } else {
    throw ConfigError(describe_location(key, *node) + ": expected a metric map or a list of them");
  }
  return out;
}

void RunnerInternal::attach_optim_wrapper(Runner& runner) {
  const ConfigNode& root = runner.config_.root;
  if (!runner.optim_) throw ConfigError("optim_wrapper: training needs an optim_wrapper section (e.g. from a _base_ schedule)");
  OptimWrapper* optim = runner.optim_.get();
  optim->attach(*runner.model_);
  // mmengine's Runner.scale_lr: the configured batch size per process (the loader's default is 1).
  const ConfigNode* bs = root.find_path("train_dataloader.batch_size");
  const int64_t batch = bs && !bs->is_null() ? bs->as<int64_t>("train_dataloader.batch_size") : 1;
  const int64_t world = dist::world_size();
  if (const auto ratio = auto_scale_lr_ratio(root, world, batch)) {
    const double before = optim->lrs().at(0);
    optim->scale_lr(*ratio);
    DETSEQ_INFO("auto_scale_lr: base batch size {}, this run {} ({} process(es) x {}): lr x{} ({} -> {})",
                root.find_path("auto_scale_lr.base_batch_size")->scalar_value(), world * batch, world, batch, *ratio,
                before, optim->lrs().at(0));
  }
}

std::vector<std::shared_ptr<ParamScheduler>> RunnerInternal::build_schedulers(Runner& runner) {
  std::vector<std::shared_ptr<ParamScheduler>> out;
  const ConfigNode* node = runner.config_.root.find("param_scheduler");
  if (!node || node->is_null()) return out;
  std::vector<std::pair<const ConfigNode*, std::string>> items;
  if (node->is_map()) {
    items.emplace_back(node, "param_scheduler");
  } else if (node->is_sequence()) {
    for (size_t i = 0; i < node->size(); ++i) items.emplace_back(&(*node)[i], "param_scheduler." + std::to_string(i));
  } else {
    throw ConfigError(describe_location("param_scheduler", *node) + ": expected a scheduler map or a list of them");
  }
  OptimWrapper& optim = runner.optim_wrapper();
  for (const auto& [n, path] : items) {
    auto s = build<ParamScheduler>(*n, path);
    if (s->wants_iter_conversion()) s->convert_to_iter_based(runner.train_dataloader().batches_per_epoch());
    if (s->by_epoch() && !runner.by_epoch()) {
      throw ConfigError(path + ": by_epoch scheduler in iteration-based training; set by_epoch: false or "
                               "convert_to_iter_based: true");
    }
    s->attach(optim);  // mmengine's constructor step: sets the lr of step 0
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace detseq
