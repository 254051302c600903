// Metric: accumulates predictions over an evaluation loop and computes named scores.
// In multi-process runs every rank processes its shard; the engine gathers each rank's
// serialized results on rank 0, merges them, then calls compute() there.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/interfaces/data.h"
#include "core/registry/registry.h"
#include "core/structures/detections.h"

namespace detseq {

class Metric {
 public:
  virtual ~Metric() = default;
  // Starts an evaluation over `dataset` (its ground truth, classes and label->category map).
  virtual void reset(const Dataset& dataset) = 0;
  virtual void process(const Batch& batch, const std::vector<Detections>& detections) = 0;
  // This rank's accumulated results as bytes, and the merge of another rank's.
  virtual std::string serialize_results() const = 0;
  virtual void merge_results(const std::string& bytes) = 0;
  // Named scores, e.g. {"coco/bbox_mAP": 0.42, ...} (mmdetection names with a "prefix/").
  virtual std::map<std::string, double> compute() = 0;
};

DETSEQ_DECLARE_FAMILY(Metric, "metric", "detections + ground truth -> scores");

}  // namespace detseq
