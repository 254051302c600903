#include "datasets/coco/coco_json.h"

#include <simdjson.h>

#include <filesystem>

#include "core/util/error.h"

namespace detseq {
namespace {

namespace od = simdjson::ondemand;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(path + ": " + what + " (expected COCO instances JSON: images, annotations, categories)");
}

double number(od::value v) { return v.get_double(); }

void read_images(od::array arr, std::vector<CocoImage>& out) {
  for (od::object obj : arr) {
    CocoImage im;
    bool has_id = false;
    for (auto field : obj) {
      const std::string_view key = field.unescaped_key();
      if (key == "id") {
        im.id = field.value().get_int64(), has_id = true;
      } else if (key == "width") {
        im.width = field.value().get_int64();
      } else if (key == "height") {
        im.height = field.value().get_int64();
      } else if (key == "file_name") {
        im.file_name = std::string(std::string_view(field.value().get_string()));
      }
    }
    if (!has_id || im.file_name.empty())
      throw Error("images[" + std::to_string(out.size()) + "] lacks 'id' or 'file_name'");
    out.push_back(std::move(im));
  }
}

void read_annotations(od::array arr, std::vector<CocoAnnotation>& out) {
  for (od::object obj : arr) {
    CocoAnnotation a;
    int found = 0;  // bit flags: id, image_id, category_id, bbox
    for (auto field : obj) {
      const std::string_view key = field.unescaped_key();
      if (key == "id") {
        a.id = field.value().get_int64(), found |= 1;
      } else if (key == "image_id") {
        a.image_id = field.value().get_int64(), found |= 2;
      } else if (key == "category_id") {
        a.category_id = field.value().get_int64(), found |= 4;
      } else if (key == "bbox") {
        size_t n = 0;
        for (auto v : field.value().get_array()) {
          if (n < 4) a.bbox[n] = number(v.value());
          ++n;
        }
        if (n != 4) throw Error("annotations[" + std::to_string(out.size()) + "] (id " + std::to_string(a.id) + "): bbox has " + std::to_string(n) + " numbers, expected [x, y, w, h]");
        found |= 8;
      } else if (key == "area") {
        a.area = number(field.value());
      } else if (key == "iscrowd") {
        a.iscrowd = field.value().get_int64() != 0;
      } else if (key == "ignore") {
        a.ignore = field.value().get_int64() != 0;
      }
    }
    if (found != 15)
      throw Error("annotations[" + std::to_string(out.size()) + "] lacks one of 'id', 'image_id', 'category_id', 'bbox'");
    out.push_back(a);
  }
}

void read_categories(od::array arr, std::vector<CocoCategory>& out) {
  for (od::object obj : arr) {
    CocoCategory c;
    bool has_id = false;
    for (auto field : obj) {
      const std::string_view key = field.unescaped_key();
      if (key == "id") {
        c.id = field.value().get_int64(), has_id = true;
      } else if (key == "name") {
        c.name = std::string(std::string_view(field.value().get_string()));
      }
    }
    if (!has_id || c.name.empty()) throw Error("categories[" + std::to_string(out.size()) + "] lacks 'id' or 'name'");
    out.push_back(std::move(c));
  }
}

}  // namespace

CocoFile read_coco_json(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(path + ": annotation file not found (check ann_file and data_root; relative data_root resolves against the working directory)");
  }
  simdjson::padded_string json;
  if (auto err = simdjson::padded_string::load(path).get(json)) fail(path, std::string("cannot read: ") + simdjson::error_message(err));
  CocoFile out;
  bool has_images = false, has_annotations = false, has_categories = false;
  od::parser parser;
  try {
    od::document doc = parser.iterate(json);
    for (auto field : doc.get_object()) {
      const std::string_view key = field.unescaped_key();
      if (key == "images") {
        read_images(field.value().get_array(), out.images), has_images = true;
      } else if (key == "annotations") {
        read_annotations(field.value().get_array(), out.annotations), has_annotations = true;
      } else if (key == "categories") {
        read_categories(field.value().get_array(), out.categories), has_categories = true;
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    fail(path, std::string("malformed JSON: ") + e.what() + " near image " + std::to_string(out.images.size()) +
                   " / annotation " + std::to_string(out.annotations.size()));
  } catch (const Error& e) {
    fail(path, e.what());
  }
  if (!has_images) fail(path, "no 'images' list");
  if (!has_categories) fail(path, "no 'categories' list");
  (void)has_annotations;  // a test-set file may have none
  return out;
}

}  // namespace detseq
