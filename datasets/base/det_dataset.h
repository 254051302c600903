// Shared machinery of the detection datasets (COCO, VOC, YOLO): the mmdetection-style options,
// path resolution, class selection, filtering, the pipeline, bad-sample handling and the COCO
// ground truth used by the metric. A concrete dataset only parses its annotation format into
// DetRecords.
#pragma once
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "core/interfaces/data.h"
#include "pipelines/compose.h"

namespace detseq {

// The options every detection dataset accepts (mmdetection names).
struct DatasetCommonOptions {
  std::string ann_file;
  std::string data_root;
  ConfigNode data_prefix;
  std::vector<ComponentCfg> pipeline;
  bool filter_empty_gt = false;
  int64_t min_size = 0;
  ConfigNode metainfo;
  std::string on_bad_sample = "error";
  bool test_mode = false;
  int64_t max_refetch = 100;

  template <class V>
  void visit_common(V& v) {
    v("ann_file", ann_file, "annotation file (relative paths are joined to data_root)");
    v("data_root", data_root, "dataset root (relative paths resolve against the working directory)");
    v("data_prefix", data_prefix, "{img: images folder, ann: annotations folder (VOC/YOLO)} below data_root");
    v("pipeline", pipeline, "list of transforms run on every sample");
    v("filter_empty_gt", filter_empty_gt, "training only: drop images without any target box");
    v("min_size", min_size, "training only: drop images whose shorter side is below this (px)");
    v("metainfo", metainfo, "{classes: [...] to select/order classes, palette: [[r,g,b], ...]}");
    v("on_bad_sample", on_bad_sample, "error | skip (warn, count, and use another sample)").one_of({"error", "skip"});
    v("test_mode", test_mode, "no filtering; a dropped sample is omitted instead of replaced");
    v("max_refetch", max_refetch, "training: attempts to replace a dropped sample before giving up").at_least(1);
  }
};

// One image with its parsed annotations (boxes xyxy in original pixels, contiguous labels).
struct DetRecord {
  int64_t image_id = 0;
  std::string file_path;  // resolved path of the image
  std::string file_name;  // as written in the annotations (for ground truth)
  int64_t width = 0, height = 0;
  std::vector<float> boxes;  // 4 per instance
  std::vector<int64_t> labels;
  std::vector<uint8_t> ignore;
  std::vector<double> area;  // per instance (COCO: as given; others: box area)
  std::vector<Segmentation> segmentations;  // per instance when the pipeline asks for masks, else empty

  size_t num_instances() const { return labels.size(); }
  bool has_targets() const;
};

class DetDataset : public Dataset {
 public:
  DetDataset(const DatasetCommonOptions& options, std::string type_name);
  ~DetDataset() override;

  size_t size() const override { return records_.size(); }
  std::optional<Sample> get(size_t index, Rng& rng) override;
  const DatasetMeta& metainfo() const override { return meta_; }
  const CocoGroundTruth& ground_truth() const override { return gt_; }
  int64_t label_to_category(int64_t label) const override;
  double aspect_ratio(size_t index) const override;

  const DetRecord& record(size_t index) const { return records_.at(index); }
  // Samples skipped because of bad data (parse time + load time) so far.
  int64_t bad_sample_count() const { return bad_samples_.load(); }
  bool test_mode() const { return options_.test_mode; }

  // The raw Sample of record `index` before the pipeline (meta + instances, no image).
  Sample raw_sample(size_t index) const;

 protected:
  // Paths: data_root joined with a relative path (absolute paths unchanged).
  std::string root_path(const std::string& relative) const;
  std::string prefix(const std::string& key, const std::string& fallback) const;
  // Class names requested in metainfo.classes (empty: the dataset decides).
  const std::vector<std::string>& requested_classes() const { return requested_classes_; }
  bool skip_bad() const { return options_.on_bad_sample == "skip"; }
  // The pipeline rasterises instance masks (a LoadAnnotations with with_mask: true): the dataset
  // must then read segmentations into DetRecord::segmentations.
  bool pipeline_wants_masks() const { return wants_masks_; }
  // Reports bad data: throws in error mode; in skip mode warns and counts.
  void bad_data(const std::string& message);

  // Called by the subclass constructor once parsing is done: sets the classes (label -> name and
  // category id), applies the training filters and, when `gt` is null, derives the ground truth
  // from the records (box area, difficult -> ignore).
  void finish(std::vector<DetRecord> records, std::vector<std::string> classes, std::vector<int64_t> category_ids,
              std::optional<CocoGroundTruth> gt = std::nullopt);

  const DatasetCommonOptions& options() const { return options_; }
  const std::string& type_name() const { return type_name_; }

 private:
  std::optional<Sample> try_get(size_t index, Rng& rng);

  DatasetCommonOptions options_;
  std::string type_name_;
  Compose pipeline_;
  std::vector<std::string> requested_classes_;
  std::vector<std::array<uint8_t, 3>> requested_palette_;
  std::vector<DetRecord> records_;
  std::vector<int64_t> category_ids_;
  DatasetMeta meta_;
  CocoGroundTruth gt_;
  std::atomic<int64_t> bad_samples_{0};
  bool wants_masks_ = false;
};

}  // namespace detseq
