// Builds the data loader of one phase (train|val|test) of a config for the data tools, the way the
// runner does: `type: DataLoader` and env_cfg.seed injected when missing.
#pragma once
#include <memory>
#include <string>

#include "core/config/config.h"
#include "core/interfaces/data.h"

namespace detseq::cli {

std::shared_ptr<DataLoader> build_phase_loader(const Config& config, const std::string& phase,
                                               std::optional<int64_t> num_workers = std::nullopt);

}  // namespace detseq::cli
