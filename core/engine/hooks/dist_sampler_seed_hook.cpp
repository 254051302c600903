// DistSamplerSeedHook: makes each epoch's data order depend on the epoch (mmengine calls
// sampler.set_epoch(epoch)); here the train loop passes the epoch to DataLoader::start_epoch
// only while this hook is installed, otherwise every epoch repeats epoch 0's order.
#include "core/engine/hook.h"
#include "core/engine/runner.h"

namespace detseq {
namespace {

struct DistSamplerSeedHookOptions {
  template <class V>
  void visit(V&) {}
};

class DistSamplerSeedHook : public Hook {
 public:
  explicit DistSamplerSeedHook(const DistSamplerSeedHookOptions&) {}
  void before_train_epoch(Runner& r) override { r.set_sampler_seed_per_epoch(true); }
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, DistSamplerSeedHook, DistSamplerSeedHookOptions, "DistSamplerSeedHook",
                   "reshuffle data every epoch (sampler seeded with the epoch)");
}  // namespace detseq
