// YoloDataset: YOLO txt layout. Images in data_prefix.img (default images/), one label file per
// image in data_prefix.ann (default labels/) named <image stem>.txt with lines
// "class cx cy w h" normalised to [0, 1]; a missing label file means an image without objects.
// Class names come from names_file (one per line) or metainfo.classes. ann_file, if given, lists
// the images (paths relative to data_prefix.img, or absolute); otherwise every image is used.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/logging/logging.h"
#include "core/util/error.h"
#include "datasets/base/det_dataset.h"
#include "pipelines/common/image_size.h"

namespace detseq {

struct YoloDatasetOptions : DatasetCommonOptions {
  std::string names_file;
  template <class V>
  void visit(V& v) {
    visit_common(v);
    v("names_file", names_file, "class names, one per line (relative to data_root); else metainfo.classes");
  }
};

namespace fs = std::filesystem;

class YoloDataset : public DetDataset {
 public:
  explicit YoloDataset(const YoloDatasetOptions& o) : DetDataset(o, "YoloDataset") {
    std::vector<std::string> classes = requested_classes();
    if (!o.names_file.empty()) {
      if (!classes.empty()) throw ConfigError("YoloDataset: give names_file or metainfo.classes, not both");
      const std::string path = root_path(o.names_file);
      std::ifstream in(path);
      if (!in) throw Error(path + ": names file not found (names_file, relative to data_root)");
      std::string line;
      while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) classes.push_back(line);
      }
    }
    if (classes.empty()) throw ConfigError("YoloDataset: no class names (set names_file or metainfo.classes)");
    const std::string img_dir = prefix("img", "images"), ann_dir = prefix("ann", "labels");

    std::vector<std::string> images;
    if (!o.ann_file.empty()) {
      const std::string list = root_path(o.ann_file);
      std::ifstream in(list);
      if (!in) throw Error(list + ": image list not found (ann_file)");
      std::string line;
      while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) images.push_back(fs::path(line).is_absolute() ? line : img_dir + "/" + line);
      }
    } else {
      if (!fs::is_directory(img_dir)) throw Error(img_dir + ": image folder not found (data_prefix.img below data_root)");
      for (const auto& entry : fs::directory_iterator(img_dir)) {
        std::string ext = entry.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
        if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp") images.push_back(entry.path().string());
      }
      std::sort(images.begin(), images.end());
    }

    std::vector<DetRecord> records;
    for (const std::string& img : images) {
      try {
        DetRecord r = read_record(img, ann_dir, static_cast<int64_t>(classes.size()));
        r.image_id = static_cast<int64_t>(records.size());
        records.push_back(std::move(r));
      } catch (const Error& e) {
        bad_data(e.what());
      }
    }
    std::vector<int64_t> cat_ids(classes.size());
    for (size_t i = 0; i < classes.size(); ++i) cat_ids[i] = static_cast<int64_t>(i) + 1;
    DETSEQ_INFO("YoloDataset: {} images, {} classes from {}", records.size(), classes.size(), img_dir);
    finish(std::move(records), classes, std::move(cat_ids));
  }

 private:
  static DetRecord read_record(const std::string& img, const std::string& ann_dir, int64_t num_classes) {
    DetRecord r;
    r.file_path = img;
    r.file_name = fs::path(img).filename().string();
    std::tie(r.width, r.height) = read_image_size(img);
    const std::string label_path = ann_dir + "/" + fs::path(img).stem().string() + ".txt";
    std::ifstream in(label_path);
    if (!in) return r;  // background image
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::istringstream ls(line);
      double cls = -1, cx, cy, w, h;
      std::string extra;
      const std::string where = label_path + ":" + std::to_string(line_no);
      if (!(ls >> cls >> cx >> cy >> w >> h) || (ls >> extra))
        throw Error(where + ": expected 'class cx cy w h' (5 numbers), got '" + line + "'");
      if (cls != static_cast<int64_t>(cls) || cls < 0 || cls >= num_classes)
        throw Error(where + ": class " + std::to_string(cls) + " is not an integer in [0, " + std::to_string(num_classes) + ")");
      if (cx < 0 || cx > 1 || cy < 0 || cy > 1 || w <= 0 || w > 1 || h <= 0 || h > 1)
        throw Error(where + ": coordinates must be normalised to [0, 1] with w, h > 0");
      const double x1 = (cx - w / 2) * r.width, y1 = (cy - h / 2) * r.height;
      const double x2 = (cx + w / 2) * r.width, y2 = (cy + h / 2) * r.height;
      r.boxes.insert(r.boxes.end(), {float(std::max(0.0, x1)), float(std::max(0.0, y1)), float(std::min<double>(r.width, x2)),
                                     float(std::min<double>(r.height, y2))});
      r.labels.push_back(static_cast<int64_t>(cls));
      r.ignore.push_back(0);
      r.area.push_back((x2 - x1) * (y2 - y1));
    }
    return r;
  }
};

DETSEQ_REGISTER_AS(Dataset, YoloDataset, YoloDatasetOptions, "YoloDataset", "YOLO txt labels + image folder + names file");

}  // namespace detseq
