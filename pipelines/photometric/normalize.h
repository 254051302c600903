// Normalize's options, shared with the tools that undo it for display (browse-dataset).
#pragma once
#include <vector>

namespace detseq {

struct NormalizeOptions {
  std::vector<double> mean{123.675, 116.28, 103.53};
  std::vector<double> std{58.395, 57.12, 57.375};
  template <class V>
  void visit(V& v) {
    v("mean", mean, "per-channel mean (RGB, 0..255 units)");
    v("std", std, "per-channel std (RGB, 0..255 units); [255, 255, 255] with mean 0 gives [0, 1]").positive();
  }
};

}  // namespace detseq
