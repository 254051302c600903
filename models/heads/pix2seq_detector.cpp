// "Pix2Seq" is the composed backbone -> neck -> head detector with a Pix2SeqHead; the name only
// lets configs say what they build (type: Pix2Seq), as in mmdetection.
#include "models/detectors/composed_detector.h"

namespace detseq {

DETSEQ_REGISTER_AS(Detector, ComposedDetector, ComposedDetectorOptions, "Pix2Seq",
                   "backbone -> neck -> Pix2SeqHead (alias of ComposedDetector)");

}  // namespace detseq
