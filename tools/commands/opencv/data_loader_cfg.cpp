#include "tools/commands/opencv/data_loader_cfg.h"

#include "core/util/error.h"

namespace detseq::cli {

std::shared_ptr<DataLoader> build_phase_loader(const Config& config, const std::string& phase,
                                               std::optional<int64_t> num_workers) {
  if (phase != "train" && phase != "val" && phase != "test")
    throw Error("--phase must be train, val or test, got '" + phase + "'");
  const std::string key = phase + "_dataloader";
  const ConfigNode* found = config.root.find(key);
  if (!found || !found->is_map()) throw Error(config.filename + ": no '" + key + "' map in the config");
  ConfigNode node = *found;
  if (!node.has("type")) node.set("type", make_scalar(std::string("DataLoader")));
  if (!node.has("seed")) {
    if (const ConfigNode* seed = config.root.find_path("env_cfg.seed"); seed && !seed->is_null()) node.set("seed", *seed);
  }
  if (num_workers) node.set("num_workers", make_scalar(*num_workers));
  return build<DataLoader>(node, key);
}

}  // namespace detseq::cli
