// mmengine's DefaultSampler and InfiniteSampler: a shuffled (or ordered) pass over the data set,
// split over the ranks (batch_plan.h: rank_indices). InfiniteSampler continues with the next
// epoch's order instead of ending, for iteration-based training.
#include "core/interfaces/sampler.h"
#include "datasets/samplers/batch_plan.h"

namespace detseq {
namespace {

struct DefaultSamplerOptions {
  std::optional<bool> shuffle;
  bool round_up = true;
  template <class V>
  void visit(V& v) {
    v("shuffle", shuffle, "shuffle each epoch (unset: the loader's `shuffle`, else true)");
    v("round_up", round_up, "distributed: pad ranks to equal counts by repeating (false: uneven, evaluation only)");
  }
};

class DefaultSampler : public Sampler {
 public:
  explicit DefaultSampler(const DefaultSamplerOptions& o) : o_(o) {}
  std::vector<int64_t> indices(const SamplerContext& c) const override {
    SamplerSpec spec;
    spec.shuffle = o_.shuffle.value_or(true);
    spec.round_up = o_.round_up;
    spec.seed = c.seed;
    spec.rank = c.rank;
    spec.world_size = c.world_size;
    return rank_indices(spec, c.dataset_size, c.epoch);
  }

 private:
  DefaultSamplerOptions o_;
};

class InfiniteSampler : public DefaultSampler {
 public:
  using DefaultSampler::DefaultSampler;
  bool infinite() const override { return true; }
};

}  // namespace

DETSEQ_REGISTER_AS(Sampler, DefaultSampler, DefaultSamplerOptions, "DefaultSampler",
                   "one pass per epoch, shuffled by (seed, epoch), split over ranks");
DETSEQ_REGISTER_AS(Sampler, InfiniteSampler, DefaultSamplerOptions, "InfiniteSampler",
                   "DefaultSampler whose loader never ends (iteration-based training)");

}  // namespace detseq
