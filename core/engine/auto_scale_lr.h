// mmdetection's `auto_scale_lr: {enable, base_batch_size}` and `train --auto-scale-lr`: the lr of
// every parameter group is multiplied by (world size x train batch size) / base_batch_size, once,
// after the optimizer is built and before the schedulers read their initial lrs (mmengine's
// Runner.scale_lr).
#pragma once
#include <cstdint>
#include <optional>

#include "core/config/config.h"

namespace detseq {

struct AutoScaleLr {
  bool enable = false;
  std::optional<int64_t> base_batch_size;
  template <class V>
  void visit(V& v) {
    v("enable", enable, "scale the lr by the actual batch size (also: train --auto-scale-lr)");
    v("base_batch_size", base_batch_size, "total batch size (all processes) the configured lr is meant for");
  }
};

// The config's `auto_scale_lr`, keys and types checked; nullopt when absent.
std::optional<AutoScaleLr> read_auto_scale_lr(const ConfigNode& root);

// `train --auto-scale-lr`: sets auto_scale_lr.enable; an error when the config has no
// auto_scale_lr.base_batch_size to scale from (as mmdetection's tools/train.py).
void enable_auto_scale_lr(Config& config);

// The lr factor for this run, or nullopt when scaling is off. `batch_size` is per process.
std::optional<double> auto_scale_lr_ratio(const ConfigNode& root, int64_t world_size, int64_t batch_size);

}  // namespace detseq
