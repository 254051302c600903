// Precompiled for every target: the LibTorch and standard headers that nearly every file uses.
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>
