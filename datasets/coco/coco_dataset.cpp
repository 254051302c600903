// CocoDataset: COCO instances JSON + an image folder. Labels are the selected categories in
// order (all categories sorted by id unless metainfo.classes picks and orders a subset); crowd
// boxes become ignore regions; ground truth for the metric is the file's own annotations.
#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "core/evaluation/coco_json.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "datasets/base/det_dataset.h"

namespace detseq {

struct CocoDatasetOptions : DatasetCommonOptions {
  template <class V>
  void visit(V& v) {
    visit_common(v);
  }
};

class CocoDataset : public DetDataset {
 public:
  explicit CocoDataset(const CocoDatasetOptions& o) : DetDataset(o, "CocoDataset") {
    if (o.ann_file.empty()) throw ConfigError("CocoDataset: ann_file is required (a COCO instances JSON)");
    const std::string ann_path = root_path(o.ann_file);
    if (!std::filesystem::is_regular_file(ann_path)) {
      throw Error(ann_path + ": annotation file not found (check ann_file and data_root; relative data_root resolves against the working directory)");
    }
    CocoGroundTruth file = coco::load_ground_truth(ann_path, pipeline_wants_masks());

    // Classes: requested names in the requested order, else every category by id.
    std::vector<CocoCategory> cats = file.categories;
    std::sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (size_t i = 1; i < cats.size(); ++i)
      if (cats[i].id == cats[i - 1].id) throw Error(ann_path + ": duplicate category id " + std::to_string(cats[i].id));
    std::vector<std::string> classes;
    std::vector<int64_t> cat_ids;
    if (requested_classes().empty()) {
      for (const auto& c : cats) classes.push_back(c.name), cat_ids.push_back(c.id);
    } else {
      std::vector<std::string> names;
      for (const auto& c : cats) names.push_back(c.name);
      for (const auto& want : requested_classes()) {
        auto it = std::find_if(cats.begin(), cats.end(), [&](const auto& c) { return c.name == want; });
        if (it == cats.end())
          throw ConfigError("metainfo.classes: '" + want + "' is not a category of " + ann_path + did_you_mean(want, names));
        classes.push_back(it->name), cat_ids.push_back(it->id);
      }
    }
    std::unordered_map<int64_t, int64_t> label_of;
    for (size_t l = 0; l < cat_ids.size(); ++l) label_of[cat_ids[l]] = static_cast<int64_t>(l);
    std::unordered_map<int64_t, bool> known_cat;
    for (const auto& c : cats) known_cat[c.id] = true;

    const std::string img_dir = prefix("img", "");
    std::vector<DetRecord> records(file.images.size());
    std::unordered_map<int64_t, size_t> index_of;
    index_of.reserve(file.images.size());
    for (size_t i = 0; i < file.images.size(); ++i) {
      const CocoImage& im = file.images[i];
      if (!index_of.emplace(im.id, i).second) throw Error(ann_path + ": duplicate image id " + std::to_string(im.id));
      if (im.file_name.empty()) throw Error(ann_path + ": images[" + std::to_string(i) + "] has no 'file_name'");
      if (im.width <= 0 || im.height <= 0)
        throw Error(ann_path + ": image id " + std::to_string(im.id) + " has no positive width/height");
      DetRecord& r = records[i];
      r.image_id = im.id;
      r.file_name = im.file_name;
      r.file_path = root_path_join(img_dir, im.file_name);
      r.width = im.width, r.height = im.height;
    }

    CocoGroundTruth gt;
    for (size_t l = 0; l < classes.size(); ++l) gt.categories.push_back({cat_ids[l], classes[l]});
    std::vector<uint8_t> bad_image(records.size(), 0);
    size_t kept_annotations = 0;  // the selected annotations are compacted in place, not copied
    for (size_t ai = 0; ai < file.annotations.size(); ++ai) {
      const CocoAnnotation& a = file.annotations[ai];
      auto img = index_of.find(a.image_id);
      if (img == index_of.end()) {
        throw Error(ann_path + ": annotation id " + std::to_string(a.id) + " refers to image id " +
                    std::to_string(a.image_id) + ", which is not in 'images'");
      }
      if (!known_cat.count(a.category_id)) {
        bad_data(ann_path + ": annotation id " + std::to_string(a.id) + " has category id " +
                 std::to_string(a.category_id) + ", which is not in 'categories'");
        bad_image[img->second] = 1;
        continue;
      }
      auto lab = label_of.find(a.category_id);
      if (lab == label_of.end()) continue;  // class not selected
      file.annotations[kept_annotations++] = a;
      DetRecord& r = records[img->second];
      // Training boxes as mmdetection takes them: skip degenerate boxes and ones outside the image.
      const auto& b = a.bbox;
      const double inter_w = std::max(0.0, std::min(b[0] + b[2], double(r.width)) - std::max(b[0], 0.0));
      const double inter_h = std::max(0.0, std::min(b[1] + b[3], double(r.height)) - std::max(b[1], 0.0));
      if (inter_w * inter_h <= 0 || a.area <= 0 || b[2] < 1 || b[3] < 1) continue;
      r.boxes.insert(r.boxes.end(), {float(b[0]), float(b[1]), float(b[0] + b[2]), float(b[1] + b[3])});
      r.labels.push_back(lab->second);
      r.ignore.push_back(a.iscrowd || a.ignore ? 1 : 0);
      r.area.push_back(a.area);
      if (pipeline_wants_masks()) r.segmentations.push_back(std::move(file.segmentations[ai]));
    }
    file.annotations.resize(kept_annotations);
    gt.annotations = std::move(file.annotations);
    gt.images = std::move(file.images);
    if (std::any_of(bad_image.begin(), bad_image.end(), [](uint8_t b) { return b != 0; })) {
      std::vector<DetRecord> kept;
      for (size_t i = 0; i < records.size(); ++i)
        if (!bad_image[i]) kept.push_back(std::move(records[i]));
      records = std::move(kept);
    }
    DETSEQ_INFO("CocoDataset: {} images, {} annotations, {} classes from {}", records.size(), gt.annotations.size(),
                classes.size(), ann_path);
    finish(std::move(records), std::move(classes), std::move(cat_ids), std::move(gt));
  }

 private:
  static std::string root_path_join(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
  }
};

DETSEQ_REGISTER_AS(Dataset, CocoDataset, CocoDatasetOptions, "CocoDataset", "COCO instances JSON + image folder");

}  // namespace detseq
