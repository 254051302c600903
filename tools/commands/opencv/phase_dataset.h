// A phase's dataset (train|val|test) of a config built on its own for the data and analysis
// tools, with only the pipeline steps they want (browse-dataset drops Normalize / PackDetInputs;
// analyze-results keeps the loading steps, as mmdet's get_loading_pipeline).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "core/config/config.h"
#include "core/interfaces/data.h"

namespace detseq::cli {

std::shared_ptr<Dataset> build_phase_dataset(const Config& config, const std::string& phase,
                                             const std::function<bool(const std::string& type)>& keep_step);
// The seed a phase's samples are drawn with: <phase>_dataloader.seed, else env_cfg.seed, else 0.
int64_t phase_seed(const Config& config, const std::string& phase);

}  // namespace detseq::cli
