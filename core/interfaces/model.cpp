#include "core/interfaces/model.h"

#include "core/interfaces/data.h"

namespace detseq {

torch::Tensor total_loss(const LossDict& losses) {
  torch::Tensor total;
  for (const auto& [name, value] : losses) {
    if (name.find("loss") == std::string::npos) continue;
    total = total.defined() ? total + value : value;
  }
  if (!total.defined()) throw Error("the model returned no loss term (no key contains 'loss')");
  return total;
}

DETSEQ_DEFINE_FAMILY(Backbone);
DETSEQ_DEFINE_FAMILY(Neck);
DETSEQ_DEFINE_FAMILY(Head);
DETSEQ_DEFINE_FAMILY(Detector);
DETSEQ_DEFINE_FAMILY(Dataset);
DETSEQ_DEFINE_FAMILY(Transform);
DETSEQ_DEFINE_FAMILY(DataLoader);

}  // namespace detseq
