#include "core/engine/optimizers/optimizer.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(OptimizerRecipe);

}  // namespace detseq
