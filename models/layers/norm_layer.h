// 2-D normalisation layers chosen by config (`norm_cfg: {type: FrozenBN | BN | GN | LN, ...}`),
// returned as AnyModule so a parent registers it under its own name (bn1, downsample.1, ...).
#pragma once
#include <torch/nn/modules/container/any.h>

#include <string>

#include "core/config/config_node.h"

namespace detseq {

struct NormCfg {
  std::string type = "FrozenBN";  // FrozenBN | BN | GN | LN
  bool requires_grad = true;      // BN/GN/LN: false freezes the affine parameters
  int64_t num_groups = 32;        // GN only
  template <class V>
  void visit(V& v) {
    v("type", type, "FrozenBN (fixed statistics, DETR), BN, GN (GroupNorm) or LN (LayerNorm over channels)");
    v("requires_grad", requires_grad, "train the affine parameters (BN/GN/LN)");
    v("num_groups", num_groups, "groups of GN");
  }
};

// Reads a norm_cfg map (null -> defaults) with typed errors naming `path`.
NormCfg read_norm_cfg(const ConfigNode& node, const std::string& path, const std::string& default_type);

// A norm over `channels` of [B, C, H, W] inputs.
torch::nn::AnyModule make_norm2d(const NormCfg& cfg, int64_t channels);

}  // namespace detseq
