#include "models/losses/loss.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Loss);

}  // namespace detseq
