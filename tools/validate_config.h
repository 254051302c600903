// Checks a merged config by building its components (types, option keys, value types) without
// touching data files or running anything heavy.
#pragma once
#include "core/config/config.h"

namespace detseq::cli {

void validate_config(const Config& config);

}  // namespace detseq::cli
