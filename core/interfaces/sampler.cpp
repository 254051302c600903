#include "core/interfaces/sampler.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Sampler);
DETSEQ_DEFINE_FAMILY(BatchSampler);

}  // namespace detseq
