#include "models/losses/loss.h"

#include "core/util/error.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Loss);

void check_no_sum_with_avg_factor(const std::string& loss, const std::string& reduction) {
  if (reduction == "sum")
    throw Error(loss + ": reduction: sum cannot be used where the head normalises by its own avg_factor "
                       "(the number of boxes); use reduction: mean (as mmdet)");
}

}  // namespace detseq
