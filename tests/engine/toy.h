// Tiny synthetic components for the engine tests (registered in test_toy_components.cpp):
//   ToyDetector  (detector)    fc -> LayerNorm -> dropout -> head, regresses one box per image
//   ToyDataset   (dataset)     deterministic images whose mean colour determines the box
//   ToyLoader    (data_loader) shuffles with (seed, epoch), shards evenly over ranks, start_at
//   ToyMetric    (metric)      mean absolute box error, gathered across ranks
//   RecorderHook (hook)        records every training loss and test detections (g_record)
//   StopAtHook   (hook)        requests a stop after iteration `at`
#pragma once
#include <string>
#include <vector>

#include "core/config/config.h"

namespace detseq::test {

struct Record {
  std::vector<double> losses;        // total loss per training iteration, in order
  std::vector<int64_t> test_images;  // image ids seen by after_test_iter
  std::vector<int64_t> val_batches;  // batch sizes seen by after_val_iter
};
Record& g_record();

// A complete runner config (toy model/data/metric, AdamW, LinearLR warmup + MultiStepLR, hooks)
// as YAML text; `extra` YAML is merged over it.
Config toy_config(const std::string& work_dir, const std::string& extra = "");

}  // namespace detseq::test
