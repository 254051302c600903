#include "tools/validate_config.h"

#include "core/interfaces/data.h"
#include "core/io/pretrained.h"
#include "core/interfaces/model.h"

namespace detseq::cli {

void validate_config(const Config& config) {
  // The model is cheap to build (random init) and exercises every nested component; pretrained
  // weights are not read (their options are still checked).
  io::ScopedSkipPretrainedLoading skip_weights;
  if (const ConfigNode* model = config.find("model")) {
    build<Detector>(*model, "model");
  }
  // Pipelines: each transform is built on its own (datasets would read annotation files).
  for (const char* loader : {"train_dataloader", "val_dataloader", "test_dataloader"}) {
    const ConfigNode* pipeline = config.find(std::string(loader) + ".dataset.pipeline");
    if (!pipeline || !pipeline->is_sequence()) continue;
    for (size_t i = 0; i < pipeline->size(); ++i) {
      build<Transform>((*pipeline)[i], std::string(loader) + ".dataset.pipeline." + std::to_string(i));
    }
  }
}

}  // namespace detseq::cli
