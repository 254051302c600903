// VOCDataset: Pascal VOC layout. ann_file lists image ids (ImageSets/Main/trainval.txt); each id
// has data_prefix.ann/<id>.xml and an image data_prefix.img/<filename> (<filename> from the XML,
// else <id>.jpg). Boxes are taken as written (no 1-based shift, as mmdetection); `difficult`
// objects are ignore regions; objects of classes not in metainfo.classes are left out.
#include <fstream>
#include <unordered_map>

#include "core/logging/logging.h"
#include "core/util/error.h"
#include "datasets/base/det_dataset.h"
#include "datasets/voc/xml_reader.h"

namespace detseq {

struct VOCDatasetOptions : DatasetCommonOptions {
  template <class V>
  void visit(V& v) {
    visit_common(v);
  }
};

namespace {

const std::vector<std::string> kVocClasses = {"aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car",
                                              "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike",
                                              "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"};

double number(const xml::Element& parent, const char* key, const std::string& file) {
  const xml::Element* e = parent.child(key);
  if (!e) throw Error(file + ":" + std::to_string(parent.line) + ": <" + parent.name + "> has no <" + key + ">");
  try {
    size_t used = 0;
    const double v = std::stod(e->text, &used);
    if (used != e->text.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::logic_error&) {
    throw Error(file + ":" + std::to_string(e->line) + ": <" + key + "> must be a number, got '" + e->text + "'");
  }
}

}  // namespace

class VOCDataset : public DetDataset {
 public:
  explicit VOCDataset(const VOCDatasetOptions& o) : DetDataset(o, "VOCDataset") {
    if (o.ann_file.empty()) throw ConfigError("VOCDataset: ann_file is required (an image-set file with one id per line)");
    const std::string list = root_path(o.ann_file);
    std::ifstream in(list);
    if (!in) throw Error(list + ": image-set file not found (check ann_file and data_root)");
    const std::vector<std::string>& classes = requested_classes().empty() ? kVocClasses : requested_classes();
    std::unordered_map<std::string, int64_t> label_of;
    for (size_t i = 0; i < classes.size(); ++i) label_of[classes[i]] = static_cast<int64_t>(i);
    const std::string ann_dir = prefix("ann", "Annotations"), img_dir = prefix("img", "JPEGImages");

    std::vector<DetRecord> records;
    std::string id;
    while (std::getline(in, id)) {
      // ImageSets/Main/<class>_trainval.txt lines are "<id> <flag>": the id is the first word.
      const size_t b = id.find_first_not_of(" \t\r"), e = id.find_first_of(" \t\r", b);
      if (b == std::string::npos) continue;
      id = id.substr(b, e == std::string::npos ? std::string::npos : e - b);
      const std::string xml_path = ann_dir + "/" + id + ".xml";
      try {
        records.push_back(read_record(xml_path, id, img_dir, label_of));
        records.back().image_id = static_cast<int64_t>(records.size() - 1);
      } catch (const Error& err) {
        bad_data(err.what());
      }
    }
    std::vector<int64_t> cat_ids(classes.size());
    for (size_t i = 0; i < classes.size(); ++i) cat_ids[i] = static_cast<int64_t>(i) + 1;  // COCO-style 1-based
    DETSEQ_INFO("VOCDataset: {} images, {} classes from {}", records.size(), classes.size(), list);
    finish(std::move(records), classes, std::move(cat_ids));
  }

 private:
  static DetRecord read_record(const std::string& xml_path, const std::string& id, const std::string& img_dir,
                               const std::unordered_map<std::string, int64_t>& label_of) {
    auto root = xml::parse_file(xml_path);
    if (root->name != "annotation") throw Error(xml_path + ": root element is <" + root->name + ">, expected <annotation>");
    DetRecord r;
    const xml::Element* fname = root->child("filename");
    r.file_name = fname && !fname->text.empty() ? fname->text : id + ".jpg";
    r.file_path = img_dir + "/" + r.file_name;
    const xml::Element* size = root->child("size");
    if (!size) throw Error(xml_path + ": no <size> element (width and height are required)");
    r.width = static_cast<int64_t>(number(*size, "width", xml_path));
    r.height = static_cast<int64_t>(number(*size, "height", xml_path));
    if (r.width <= 0 || r.height <= 0) throw Error(xml_path + ": <size> width and height must be positive");
    for (const xml::Element* obj : root->all("object")) {
      const xml::Element* name = obj->child("name");
      if (!name || name->text.empty()) throw Error(xml_path + ":" + std::to_string(obj->line) + ": <object> has no <name>");
      auto it = label_of.find(name->text);
      if (it == label_of.end()) continue;  // not a selected class
      const xml::Element* box = obj->child("bndbox");
      if (!box) throw Error(xml_path + ":" + std::to_string(obj->line) + ": <object> has no <bndbox>");
      const double x1 = number(*box, "xmin", xml_path), y1 = number(*box, "ymin", xml_path);
      const double x2 = number(*box, "xmax", xml_path), y2 = number(*box, "ymax", xml_path);
      if (!(x2 > x1 && y2 > y1))
        throw Error(xml_path + ":" + std::to_string(box->line) + ": <bndbox> needs xmax > xmin and ymax > ymin");
      const xml::Element* difficult = obj->child("difficult");
      r.boxes.insert(r.boxes.end(), {float(x1), float(y1), float(x2), float(y2)});
      r.labels.push_back(it->second);
      r.ignore.push_back(difficult && difficult->text == "1" ? 1 : 0);
      r.area.push_back((x2 - x1) * (y2 - y1));
    }
    return r;
  }
};

DETSEQ_REGISTER_AS(Dataset, VOCDataset, VOCDatasetOptions, "VOCDataset", "Pascal VOC XML folders");

}  // namespace detseq
