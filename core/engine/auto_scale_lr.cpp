#include "core/engine/auto_scale_lr.h"

#include "core/registry/options.h"

namespace detseq {

std::optional<AutoScaleLr> read_auto_scale_lr(const ConfigNode& root) {
  const ConfigNode* node = root.find("auto_scale_lr");
  if (!node || node->is_null()) return std::nullopt;
  auto o = read_options<AutoScaleLr>(*node, "auto_scale_lr", "auto_scale_lr");
  if (o.base_batch_size && *o.base_batch_size <= 0) {
    throw ConfigError(describe_location("auto_scale_lr.base_batch_size", node->at("base_batch_size")) +
                      ": must be > 0, got " + std::to_string(*o.base_batch_size));
  }
  return o;
}

void enable_auto_scale_lr(Config& config) {
  const auto o = read_auto_scale_lr(config.root);
  if (!o || !o->base_batch_size) {
    throw ConfigError("--auto-scale-lr: config " + config.filename +
                      " has no auto_scale_lr.base_batch_size (add auto_scale_lr: {enable: false, base_batch_size: N}, "
                      "N = the total batch size the lr is meant for)");
  }
  config.root["auto_scale_lr"]["enable"] = make_scalar(true);
}

std::optional<double> auto_scale_lr_ratio(const ConfigNode& root, int64_t world_size, int64_t batch_size) {
  const auto o = read_auto_scale_lr(root);
  if (!o || !o->enable) return std::nullopt;
  if (!o->base_batch_size) {
    throw ConfigError(describe_location("auto_scale_lr", root.at("auto_scale_lr")) +
                      ": enable is true but base_batch_size is missing");
  }
  return static_cast<double>(world_size * batch_size) / static_cast<double>(*o->base_batch_size);
}

}  // namespace detseq
