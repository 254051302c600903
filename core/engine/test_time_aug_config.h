// `detseq test --tta`, as mmdetection's tools/test.py --tta: the config's `tta_model` (default:
// DetTTAModel, NMS at IoU 0.5, 100 per image) wraps `model` as its `module`, and the test
// dataset's pipeline becomes `tta_pipeline` (default: the test pipeline with a horizontal-flip
// TestTimeAug before its Normalize / Pad / PackDetInputs steps). Defaults are logged.
#pragma once
#include "core/config/config.h"

namespace detseq {

void apply_test_time_augmentation(Config& config);

// The default tta_pipeline made from a test pipeline (a list of transform maps) at `path`.
ConfigNode default_tta_pipeline(const ConfigNode& test_pipeline, const std::string& path);

}  // namespace detseq
