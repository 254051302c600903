// Registry families of the sequence components (declared in core/interfaces/sequence.h).
#include "core/interfaces/sequence.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(Tokenizer);
DETSEQ_DEFINE_FAMILY(SequenceBuilder);
DETSEQ_DEFINE_FAMILY(Decoding);

}  // namespace detseq
