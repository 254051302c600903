// 2-D normalisation layers named by `norm_cfg: {type: FrozenBN | BN | GN | LN, ...}`: registry
// components of the `norm_layer` family (core/interfaces/layers.h), built by the parent from a
// ComponentCfg option and asked for one module per place: `norm->make2d(channels)`.
#pragma once
#include "core/interfaces/layers.h"
