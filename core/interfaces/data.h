// Data interfaces: Dataset (files -> Sample, through its pipeline), Transform (Sample -> Sample),
// DataLoader (Dataset -> Batches). Implementations live in datasets/ and pipelines/.
#pragma once
#include <torch/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/registry/registry.h"
#include "core/structures/coco_types.h"
#include "core/structures/sample.h"
#include "core/util/random.h"

namespace detseq {

struct DatasetMeta {
  std::vector<std::string> classes;              // label i -> name
  std::vector<std::array<uint8_t, 3>> palette;   // label i -> RGB
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  // Loads sample `index` and runs the dataset's pipeline with `rng`. Returns nullopt when the
  // pipeline drops the sample (e.g. every box was cropped away) or a bad sample is skipped.
  virtual std::optional<Sample> get(size_t index, Rng& rng) = 0;
  virtual const DatasetMeta& metainfo() const = 0;
  // Ground truth in COCO form, for the COCO metric (category ids map to labels via label_to_category).
  virtual const CocoGroundTruth& ground_truth() const = 0;
  virtual int64_t label_to_category(int64_t label) const = 0;
  // Aspect ratio (w / h) of an image without loading it (for aspect-ratio grouping).
  virtual double aspect_ratio(size_t index) const = 0;
};

class Transform {
 public:
  virtual ~Transform() = default;
  // Returns false to drop the sample.
  virtual bool apply(Sample& sample, Rng& rng) = 0;
};

// Iterates batches of one epoch. Deterministic for a given (seed, epoch) whatever the number of
// worker threads; `start_at` lets a resumed run continue mid-epoch without replaying data.
class DataLoader {
 public:
  virtual ~DataLoader() = default;
  virtual void start_epoch(int64_t epoch, int64_t start_at_batch = 0) = 0;
  virtual std::optional<Batch> next() = 0;  // nullopt at the end of the epoch
  virtual int64_t batches_per_epoch() const = 0;
  virtual Dataset& dataset() = 0;
};

DETSEQ_DECLARE_FAMILY(Dataset, "dataset", "annotation + image files -> samples");
DETSEQ_DECLARE_FAMILY(Transform, "transform", "one step of a data pipeline");
DETSEQ_DECLARE_FAMILY(DataLoader, "data_loader", "dataset -> batches (sampler, workers, collate)");

}  // namespace detseq
