// A sequence of transforms built from config (a dataset's `pipeline`, or the branches of
// RandomChoice / RandomApply). Transforms are stateless, so one Compose serves all worker threads.
#pragma once
#include <memory>
#include <vector>

#include "core/interfaces/data.h"

namespace detseq {

class Compose {
 public:
  Compose() = default;
  // Each item is a transform map, built with its config path (`<path>.<i>`).
  explicit Compose(const std::vector<ComponentCfg>& items);
  // A node that is one transform map or a list of them, at `path`.
  static Compose from_node(const ConfigNode& node, const std::string& path);

  // Runs every transform in order; false as soon as one drops the sample.
  bool apply(Sample& sample, Rng& rng) const;
  size_t size() const { return transforms_.size(); }

 private:
  std::vector<std::shared_ptr<Transform>> transforms_;
};

}  // namespace detseq
