#include "core/evaluation/coco_metric.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>

#include "core/evaluation/coco_json.h"
#include "core/evaluation/coco_summary.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace detseq {

// The metric family is declared with the interface; its listing entry is defined here, next to
// the only metric so far.
DETSEQ_DEFINE_FAMILY(Metric);

namespace {

const std::vector<std::string> kDefaultItems{"mAP", "mAP_50", "mAP_75", "mAP_s", "mAP_m", "mAP_l"};

std::vector<std::string> item_names(const std::vector<int64_t>& max_dets) {
  coco::EvalResult dummy;
  dummy.params.max_dets = max_dets;
  std::sort(dummy.params.max_dets.begin(), dummy.params.max_dets.end());
  std::vector<std::string> names;
  for (const auto& s : coco::summarize(dummy)) names.push_back(s.name);
  return names;
}

}  // namespace

CocoMetric::CocoMetric(const CocoMetricOptions& options) : o_(options) {
  if (o_.metric != "bbox")
    throw ConfigError("CocoMetric: metric '" + o_.metric + "' is not supported; only 'bbox' (box AP) is");
  if (o_.max_dets.size() != 3)
    throw ConfigError("CocoMetric: max_dets needs 3 values, e.g. [1, 10, 100] or [100, 300, 1000]");
  const auto names = item_names(o_.max_dets);
  for (const auto& item : o_.metric_items)
    if (std::find(names.begin(), names.end(), item) == names.end())
      throw ConfigError("CocoMetric: unknown metric_items entry '" + item + "'" + did_you_mean(item, names) +
                        " (known: " + join(names, ", ") + ")");
  if (o_.format_only && o_.outfile_prefix.empty())
    throw ConfigError("CocoMetric: format_only needs outfile_prefix (where to write the results JSON)");
  if (!o_.ann_file.empty()) own_gt_ = std::make_shared<CocoGroundTruth>(coco::load_ground_truth(o_.ann_file));
}

void CocoMetric::reset(const Dataset& dataset) {
  dataset_ = &dataset;
  results_.clear();
  last_.reset();
}

std::vector<CocoResult> to_coco_results(const Detections& d, const Dataset& dataset) {
  std::vector<CocoResult> out;
  const int64_t k = d.size();
  if (k == 0) return out;
  const torch::Tensor boxes = d.boxes.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor scores = d.scores.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor labels = d.labels.to(torch::kCPU, torch::kLong).contiguous();
  if (boxes.dim() != 2 || boxes.size(1) != 4 || scores.numel() != k || labels.numel() != k)
    throw Error("CocoMetric: detections of image " + std::to_string(d.image_id) +
                " must be boxes [K, 4], scores [K], labels [K]; got " + c10::str(boxes.sizes()) + ", " +
                c10::str(scores.sizes()) + ", " + c10::str(labels.sizes()));
  const float* b = boxes.data_ptr<float>();
  const float* s = scores.data_ptr<float>();
  const int64_t* l = labels.data_ptr<int64_t>();
  out.reserve(k);
  for (int64_t i = 0; i < k; ++i) {
    CocoResult r;
    r.image_id = d.image_id;
    r.category_id = dataset.label_to_category(l[i]);
    // As mmdetection: float32 coordinates widened to double, then w = x2 - x1 in double.
    const double x1 = b[4 * i], y1 = b[4 * i + 1], x2 = b[4 * i + 2], y2 = b[4 * i + 3];
    r.bbox = {x1, y1, x2 - x1, y2 - y1};
    r.score = s[i];
    out.push_back(r);
  }
  return out;
}

void CocoMetric::process(const Batch& batch, const std::vector<Detections>& detections) {
  if (dataset_ == nullptr) throw Error("CocoMetric: process() called before reset(dataset)");
  for (size_t i = 0; i < detections.size(); ++i) {
    Detections d = detections[i];
    if (d.image_id < 0 && i < batch.metas.size()) d.image_id = batch.metas[i].image_id;
    const auto r = to_coco_results(d, *dataset_);
    results_.insert(results_.end(), r.begin(), r.end());
  }
}

// Bytes: the CocoResult records as they lie in memory (ranks run the same binary and machine type).
std::string CocoMetric::serialize_results() const {
  static_assert(std::is_trivially_copyable_v<CocoResult>);
  std::string bytes(results_.size() * sizeof(CocoResult), '\0');
  if (!results_.empty()) std::memcpy(bytes.data(), results_.data(), bytes.size());
  return bytes;
}

void CocoMetric::merge_results(const std::string& bytes) {
  if (bytes.size() % sizeof(CocoResult) != 0)
    throw Error("CocoMetric: gathered results have " + std::to_string(bytes.size()) +
                " bytes, not a multiple of one record (ranks running different builds?)");
  const size_t n = bytes.size() / sizeof(CocoResult);
  const size_t old = results_.size();
  results_.resize(old + n);
  if (n > 0) std::memcpy(results_.data() + old, bytes.data(), bytes.size());
}

std::map<std::string, double> CocoMetric::compute() {
  if (!o_.outfile_prefix.empty()) {
    const std::string path = o_.outfile_prefix + ".bbox.json";
    coco::write_results(path, results_);
    DETSEQ_INFO("CocoMetric: {} detections written to {}", results_.size(), path);
  }
  if (o_.format_only) return {};
  const CocoGroundTruth* gt = own_gt_ ? own_gt_.get() : (dataset_ ? &dataset_->ground_truth() : nullptr);
  if (gt == nullptr) throw Error("CocoMetric: compute() called before reset(dataset)");

  coco::EvalParams params;
  params.max_dets = o_.max_dets;
  if (!o_.iou_thrs.empty()) params.iou_thrs = o_.iou_thrs;
  params.use_ignore_flag = o_.use_ignore_flag;
  // Evaluate the dataset's classes (mmdetection: cat_ids from the class names), all images.
  if (dataset_ != nullptr) {
    const auto& classes = dataset_->metainfo().classes;
    for (size_t label = 0; label < classes.size(); ++label)
      params.cat_ids.push_back(dataset_->label_to_category(static_cast<int64_t>(label)));
  }
  if (results_.empty()) DETSEQ_WARN("CocoMetric: no detections at all; every AP is 0");
  last_ = std::make_unique<coco::EvalResult>(coco::evaluate(*gt, results_, params));
  const auto stats = coco::summarize(*last_);
  DETSEQ_INFO("COCO bbox evaluation ({} detections):\n{}", results_.size(), coco::summary_text(*last_, stats));
  if (o_.classwise) {
    std::map<int64_t, std::string> names;
    for (const auto& c : gt->categories) names[c.id] = c.name;
    DETSEQ_INFO("per-category bbox AP:\n{}", coco::classwise_table(coco::classwise(*last_, names)));
  }
  const auto& items = o_.metric_items.empty() ? kDefaultItems : o_.metric_items;
  std::map<std::string, double> out;
  for (const auto& s : stats)
    if (std::find(items.begin(), items.end(), s.name) != items.end()) out[o_.prefix + "/bbox_" + s.name] = s.value;
  return out;
}

DETSEQ_REGISTER_AS(Metric, CocoMetric, CocoMetricOptions, "CocoMetric",
                   "COCO box AP/AR with pycocotools' semantics (C++, TBB), mmdetection's names");

}  // namespace detseq
