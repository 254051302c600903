// RandomChoice (one branch picked with given probabilities; a branch is a transform or a list of
// them, as DETR's "resize, or crop-then-resize") and RandomApply (run the transforms with a
// probability).
#include <numeric>

#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "pipelines/compose.h"

namespace detseq {

struct RandomChoiceOptions {
  std::vector<ComponentCfg> transforms;
  std::vector<double> prob;
  template <class V>
  void visit(V& v) {
    v.required("transforms", transforms, "branches: each a transform or a list of transforms");
    v("prob", prob, "probability of each branch (default uniform)").non_negative();
  }
};

class RandomChoice : public Transform {
 public:
  explicit RandomChoice(const RandomChoiceOptions& o) {
    if (o.transforms.empty()) throw ConfigError("RandomChoice: transforms must not be empty");
    for (const auto& t : o.transforms) branches_.push_back(Compose::from_node(t.node, t.path));
    if (!o.prob.empty() && o.prob.size() != o.transforms.size())
      throw ConfigError("RandomChoice: prob needs one value per branch (" + std::to_string(o.transforms.size()) + ")");
    cumulative_ = o.prob.empty() ? std::vector<double>(o.transforms.size(), 1.0) : o.prob;
    std::partial_sum(cumulative_.begin(), cumulative_.end(), cumulative_.begin());
    if (cumulative_.back() <= 0) throw ConfigError("RandomChoice: prob must sum to a positive value");
  }
  bool apply(Sample& s, Rng& rng) override {
    const double u = uniform(rng, 0, cumulative_.back());
    size_t i = 0;
    while (i + 1 < cumulative_.size() && u >= cumulative_[i]) ++i;
    return branches_[i].apply(s, rng);
  }

 private:
  std::vector<Compose> branches_;
  std::vector<double> cumulative_;
};
DETSEQ_REGISTER_AS(Transform, RandomChoice, RandomChoiceOptions, "RandomChoice", "run one of several transform branches");

struct RandomApplyOptions {
  std::vector<ComponentCfg> transforms;
  double prob = 0.5;
  template <class V>
  void visit(V& v) {
    v.required("transforms", transforms, "transforms run in order when applied");
    v("prob", prob, "probability of applying them").range(0.0, 1.0);
  }
};

class RandomApply : public Transform {
 public:
  explicit RandomApply(const RandomApplyOptions& o) : body_(o.transforms), prob_(o.prob) {
  }
  bool apply(Sample& s, Rng& rng) override {
    if (uniform(rng, 0, 1) >= prob_) return true;
    return body_.apply(s, rng);
  }

 private:
  Compose body_;
  double prob_;
};
DETSEQ_REGISTER_AS(Transform, RandomApply, RandomApplyOptions, "RandomApply", "run transforms with a probability");

}  // namespace detseq
