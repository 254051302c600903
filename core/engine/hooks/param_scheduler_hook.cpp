// ParamSchedulerHook: steps the iteration-based schedulers after every training iteration and
// the epoch-based ones after every epoch (mmengine's).
#include "core/engine/hook.h"
#include "core/engine/param_scheduler.h"
#include "core/engine/runner.h"

namespace detseq {
namespace {

struct ParamSchedulerHookOptions {
  template <class V>
  void visit(V&) {}
};

class ParamSchedulerHook : public Hook {
 public:
  explicit ParamSchedulerHook(const ParamSchedulerHookOptions&) {}
  int default_priority() const override { return static_cast<int>(Priority::LOW); }

  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict&) override {
    for (auto& s : r.param_schedulers())
      if (!s->by_epoch()) s->step();
  }
  void after_train_epoch(Runner& r) override {
    for (auto& s : r.param_schedulers())
      if (s->by_epoch()) s->step();
  }
};

}  // namespace
DETSEQ_REGISTER_AS(Hook, ParamSchedulerHook, ParamSchedulerHookOptions, "ParamSchedulerHook",
                   "steps param_scheduler entries (per iteration or per epoch)");
}  // namespace detseq
