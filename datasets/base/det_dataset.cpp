#include "datasets/base/det_dataset.h"

#include <opencv2/core.hpp>

#include <filesystem>
#include <unordered_map>

#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace detseq {

bool DetRecord::has_targets() const {
  for (uint8_t ig : ignore)
    if (!ig) return true;
  return false;
}

DetDataset::DetDataset(const DatasetCommonOptions& options, std::string type_name)
    : options_(options), type_name_(std::move(type_name)), pipeline_(options.pipeline) {
  for (const ComponentCfg& t : options.pipeline) {
    const ConfigNode* type = t.node.is_map() ? t.node.find("type") : nullptr;
    const ConfigNode* with_mask = t.node.is_map() ? t.node.find("with_mask") : nullptr;
    if (type && type->is_scalar() && type->scalar_value() == "LoadAnnotations" && with_mask)
      wants_masks_ = wants_masks_ || with_mask->as<bool>(t.path + ".with_mask");
  }
  const ConfigNode& mi = options.metainfo;
  if (!mi.is_null()) {
    if (!mi.is_map()) throw ConfigError(describe_location("metainfo", mi) + ": expected a map {classes: [...], palette: [...]}");
    for (const auto& key : mi.keys()) {
      if (key != "classes" && key != "palette")
        throw ConfigError(describe_location("metainfo." + key, mi) + ": unknown key '" + key + "' in metainfo (expected classes, palette)");
    }
    if (const ConfigNode* c = mi.find("classes")) requested_classes_ = c->as<std::vector<std::string>>("metainfo.classes");
    if (const ConfigNode* p = mi.find("palette")) {
      for (const auto& rgb : p->as<std::vector<std::array<int, 3>>>("metainfo.palette")) {
        std::array<uint8_t, 3> c{};
        for (int i = 0; i < 3; ++i) {
          if (rgb[i] < 0 || rgb[i] > 255) throw ConfigError(describe_location("metainfo.palette", *p) + ": colour values must be 0..255");
          c[i] = static_cast<uint8_t>(rgb[i]);
        }
        requested_palette_.push_back(c);
      }
    }
  }
  if (!options.data_prefix.is_null() && !options.data_prefix.is_map())
    throw ConfigError(describe_location("data_prefix", options.data_prefix) + ": expected a map like {img: images/}");
}

DetDataset::~DetDataset() {
  if (bad_samples_.load() > 0)
    DETSEQ_WARN("{}: {} bad sample(s) were skipped in total (on_bad_sample: skip)", type_name_, bad_samples_.load());
}

std::string DetDataset::root_path(const std::string& relative) const {
  namespace fs = std::filesystem;
  if (relative.empty()) return options_.data_root;
  if (fs::path(relative).is_absolute() || options_.data_root.empty()) return relative;
  return (fs::path(options_.data_root) / relative).string();
}

std::string DetDataset::prefix(const std::string& key, const std::string& fallback) const {
  if (const ConfigNode* p = options_.data_prefix.is_map() ? options_.data_prefix.find(key) : nullptr) {
    return root_path(p->as<std::string>("data_prefix." + key));
  }
  return root_path(fallback);
}

void DetDataset::bad_data(const std::string& message) {
  if (!skip_bad()) throw Error(message + " (set on_bad_sample: skip to skip such samples)");
  ++bad_samples_;
  DETSEQ_WARN("skipping bad sample: {}", message);
}

void DetDataset::finish(std::vector<DetRecord> records, std::vector<std::string> classes,
                        std::vector<int64_t> category_ids, std::optional<CocoGroundTruth> gt) {
  category_ids_ = std::move(category_ids);
  meta_.classes = std::move(classes);
  meta_.palette = requested_palette_;
  if (!meta_.palette.empty() && meta_.palette.size() != meta_.classes.size()) {
    throw ConfigError(type_name_ + ": metainfo.palette has " + std::to_string(meta_.palette.size()) +
                      " colours for " + std::to_string(meta_.classes.size()) + " classes");
  }
  if (wants_masks_) {
    for (const auto& r : records)
      if (r.segmentations.size() != r.num_instances())
        throw ConfigError(type_name_ + ": the pipeline asks for instance masks (LoadAnnotations with_mask: true), but " +
                          type_name_ + " has none (only CocoDataset reads 'segmentation'); remove with_mask");
  }
  const size_t before = records.size();
  if (!options_.test_mode && (options_.filter_empty_gt || options_.min_size > 0)) {
    std::vector<DetRecord> kept;
    kept.reserve(records.size());
    for (auto& r : records) {
      if (options_.filter_empty_gt && !r.has_targets()) continue;
      if (std::min(r.width, r.height) < options_.min_size) continue;
      kept.push_back(std::move(r));
    }
    records = std::move(kept);
  }
  records_ = std::move(records);
  if (records_.size() != before)
    DETSEQ_INFO("{}: {} of {} images kept after filtering", type_name_, records_.size(), before);
  if (records_.empty()) throw Error(type_name_ + " (" + options_.ann_file + "): no images left (check ann_file, classes and filters)");

  if (gt) {
    // Keep the ground truth of the kept images only.
    std::unordered_map<int64_t, bool> kept_ids;
    for (const auto& r : records_) kept_ids[r.image_id] = true;
    gt_.categories = std::move(gt->categories);
    for (auto& im : gt->images)
      if (kept_ids.count(im.id)) gt_.images.push_back(std::move(im));
    for (auto& a : gt->annotations)
      if (kept_ids.count(a.image_id)) gt_.annotations.push_back(a);
    return;
  }
  for (size_t l = 0; l < meta_.classes.size(); ++l) gt_.categories.push_back({category_ids_[l], meta_.classes[l]});
  int64_t ann_id = 1;
  for (const auto& r : records_) {
    gt_.images.push_back({r.image_id, r.width, r.height, r.file_name});
    for (size_t i = 0; i < r.num_instances(); ++i) {
      CocoAnnotation a;
      a.id = ann_id++;
      a.image_id = r.image_id;
      a.category_id = category_ids_[r.labels[i]];
      const float* b = &r.boxes[4 * i];
      a.bbox = {b[0], b[1], b[2] - b[0], b[3] - b[1]};
      a.area = r.area[i];
      a.ignore = r.ignore[i] != 0;
      gt_.annotations.push_back(a);
    }
  }
}

int64_t DetDataset::label_to_category(int64_t label) const {
  if (label < 0 || label >= static_cast<int64_t>(category_ids_.size()))
    throw Error(type_name_ + ": label " + std::to_string(label) + " out of range (" + std::to_string(category_ids_.size()) + " classes)");
  return category_ids_[label];
}

double DetDataset::aspect_ratio(size_t index) const {
  const auto& r = records_.at(index);
  return r.height > 0 ? double(r.width) / double(r.height) : 1.0;
}

Sample DetDataset::raw_sample(size_t index) const {
  const DetRecord& r = records_.at(index);
  Sample s;
  s.meta.image_id = r.image_id;
  s.meta.sample_index = static_cast<int64_t>(index);
  s.meta.file_path = r.file_path;
  s.meta.ori_width = s.meta.img_width = s.meta.pad_width = r.width;
  s.meta.ori_height = s.meta.img_height = s.meta.pad_height = r.height;
  const int64_t n = static_cast<int64_t>(r.num_instances());
  s.instances.boxes = torch::from_blob(const_cast<float*>(r.boxes.data()), {n, 4}, torch::kFloat32).clone();
  s.instances.labels = torch::from_blob(const_cast<int64_t*>(r.labels.data()), {n}, torch::kInt64).clone();
  s.instances.ignore = torch::from_blob(const_cast<uint8_t*>(r.ignore.data()), {n}, torch::kUInt8).to(torch::kBool);
  s.segmentations = r.segmentations;
  return s;
}

std::optional<Sample> DetDataset::try_get(size_t index, Rng& rng) {
  Sample s = raw_sample(index);
  try {
    if (!pipeline_.apply(s, rng)) return std::nullopt;
  } catch (const Error& e) {
    const std::string what = e.what(), path = records_[index].file_path;
    bad_data(what.rfind(path, 0) == 0 ? what : path + ": " + what);
    return std::nullopt;
  } catch (const cv::Exception& e) {
    bad_data(records_[index].file_path + ": OpenCV error: " + e.what());
    return std::nullopt;
  }
  return s;
}

std::optional<Sample> DetDataset::get(size_t index, Rng& rng) {
  if (index >= records_.size())
    throw Error(type_name_ + ": sample index " + std::to_string(index) + " out of range (size " + std::to_string(records_.size()) + ")");
  std::optional<Sample> s = try_get(index, rng);
  if (s || options_.test_mode) return s;
  // Training: like mmdetection, replace a dropped sample by another one, chosen by the sample's
  // own generator so the replacement is deterministic.
  for (int64_t attempt = 0; attempt < options_.max_refetch; ++attempt) {
    const size_t other = static_cast<size_t>(uniform_int(rng, 0, static_cast<int64_t>(records_.size()) - 1));
    s = try_get(other, rng);
    if (s) return s;
  }
  throw Error(type_name_ + ": " + std::to_string(options_.max_refetch) +
              " replacement samples in a row were dropped by the pipeline (crop too aggressive, or most images bad?)");
}

}  // namespace detseq
