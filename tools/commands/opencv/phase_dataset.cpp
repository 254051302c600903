#include "tools/commands/opencv/phase_dataset.h"

#include "core/util/error.h"

namespace detseq::cli {

std::shared_ptr<Dataset> build_phase_dataset(const Config& config, const std::string& phase,
                                             const std::function<bool(const std::string& type)>& keep_step) {
  if (phase != "train" && phase != "val" && phase != "test")
    throw Error("--phase must be train, val or test, got '" + phase + "'");
  const std::string key = phase + "_dataloader";
  const ConfigNode* ds_node = config.root.find_path(key + ".dataset");
  if (!ds_node || !ds_node->is_map()) throw Error(config.filename + ": no '" + key + ".dataset' in the config");
  ConfigNode dataset_cfg = *ds_node;
  if (ConfigNode* pipeline = dataset_cfg.find("pipeline"); pipeline && pipeline->is_sequence()) {
    ConfigNode kept = ConfigNode::sequence(pipeline->loc());
    for (const auto& step : pipeline->elements()) {
      const ConfigNode* type = step.is_map() ? step.find("type") : nullptr;
      if (keep_step(type && type->is_scalar() ? type->scalar_value() : "")) kept.push_back(step);
    }
    *pipeline = kept;
  }
  return build<Dataset>(dataset_cfg, key + ".dataset");
}

int64_t phase_seed(const Config& config, const std::string& phase) {
  const std::string key = phase + "_dataloader.seed";
  if (const ConfigNode* s = config.root.find_path(key)) return s->as<int64_t>(key);
  if (const ConfigNode* e = config.root.find_path("env_cfg.seed"); e && !e->is_null())
    return e->as<int64_t>("env_cfg.seed");
  return 0;
}

}  // namespace detseq::cli
