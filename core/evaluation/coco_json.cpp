#include "core/evaluation/coco_json.h"

#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace detseq::coco {
namespace {

using simdjson::ondemand::value;

double number(value v, const std::string& where) {
  double d = 0;
  if (v.get_double().get(d) != simdjson::SUCCESS) throw Error(where + ": expected a number");
  return d;
}

int64_t integer(value v, const std::string& where) {
  int64_t i = 0;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return i;
  const double d = number(v, where);
  if (d != std::floor(d)) throw Error(where + ": expected an integer id, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

std::array<double, 4> box4(value v, const std::string& where) {
  std::array<double, 4> b{};
  size_t n = 0;
  simdjson::ondemand::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) throw Error(where + ": expected a list [x, y, w, h]");
  for (auto x : arr) {
    if (n >= 4) throw Error(where + ": expected 4 numbers [x, y, w, h], got more");
    b[n] = number(x.value(), where);
    ++n;
  }
  if (n != 4) throw Error(where + ": expected 4 numbers [x, y, w, h], got " + std::to_string(n));
  return b;
}

bool flag(value v, const std::string& where) {
  bool b = false;
  if (v.get_bool().get(b) == simdjson::SUCCESS) return b;
  return integer(v, where) != 0;
}

simdjson::padded_string load_file(const std::string& path) {
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path).get(text) != simdjson::SUCCESS)
    throw Error("cannot read JSON file '" + path + "' (missing or unreadable)");
  return text;
}

template <class Fn>
void for_each_object(simdjson::ondemand::array arr, const std::string& where, Fn fn) {
  size_t i = 0;
  for (auto item : arr) {
    simdjson::ondemand::object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS)
      throw Error(where + "[" + std::to_string(i) + "]: expected an object");
    fn(obj, where + "[" + std::to_string(i) + "]");
    ++i;
  }
}

}  // namespace

CocoGroundTruth load_ground_truth(const std::string& path) {
  CocoGroundTruth gt;
  const simdjson::padded_string text = load_file(path);
  simdjson::ondemand::parser parser;
  try {
    simdjson::ondemand::document doc = parser.iterate(text);
    simdjson::ondemand::object root = doc.get_object();
    bool has_images = false, has_categories = false;
    for (auto field : root) {
      const std::string_view key = field.unescaped_key();
      if (key == "images") {
        has_images = true;
        for_each_object(field.value().get_array(), path + ": images", [&](auto& obj, const std::string& w) {
          CocoImage im;
          for (auto f : obj) {
            const std::string_view k = f.unescaped_key();
            if (k == "id") im.id = integer(f.value(), w + ".id");
            else if (k == "width") im.width = integer(f.value(), w + ".width");
            else if (k == "height") im.height = integer(f.value(), w + ".height");
            else if (k == "file_name") im.file_name = std::string(std::string_view(f.value().get_string()));
          }
          gt.images.push_back(std::move(im));
        });
      } else if (key == "annotations") {
        for_each_object(field.value().get_array(), path + ": annotations", [&](auto& obj, const std::string& w) {
          CocoAnnotation a;
          bool has_area = false, has_bbox = false;
          for (auto f : obj) {
            const std::string_view k = f.unescaped_key();
            if (k == "id") a.id = integer(f.value(), w + ".id");
            else if (k == "image_id") a.image_id = integer(f.value(), w + ".image_id");
            else if (k == "category_id") a.category_id = integer(f.value(), w + ".category_id");
            else if (k == "bbox") a.bbox = box4(f.value(), w + ".bbox"), has_bbox = true;
            else if (k == "area") a.area = number(f.value(), w + ".area"), has_area = true;
            else if (k == "iscrowd") a.iscrowd = flag(f.value(), w + ".iscrowd");
            else if (k == "ignore") a.ignore = flag(f.value(), w + ".ignore");
          }
          if (!has_bbox) throw Error(w + ": annotation without 'bbox' (bbox evaluation needs [x, y, w, h])");
          if (!has_area) a.area = a.bbox[2] * a.bbox[3];
          gt.annotations.push_back(a);
        });
      } else if (key == "categories") {
        has_categories = true;
        for_each_object(field.value().get_array(), path + ": categories", [&](auto& obj, const std::string& w) {
          CocoCategory c;
          for (auto f : obj) {
            const std::string_view k = f.unescaped_key();
            if (k == "id") c.id = integer(f.value(), w + ".id");
            else if (k == "name") c.name = std::string(std::string_view(f.value().get_string()));
          }
          gt.categories.push_back(std::move(c));
        });
      }
    }
    if (!has_images || !has_categories)
      throw Error(path + ": not a COCO annotation file (needs 'images' and 'categories' lists)");
  } catch (const simdjson::simdjson_error& e) {
    throw Error(path + ": invalid COCO annotation JSON (" + std::string(e.what()) + ")");
  }
  return gt;
}

std::vector<CocoResult> load_results(const std::string& path) {
  std::vector<CocoResult> out;
  const simdjson::padded_string text = load_file(path);
  simdjson::ondemand::parser parser;
  try {
    simdjson::ondemand::document doc = parser.iterate(text);
    simdjson::ondemand::array arr;
    if (doc.get_array().get(arr) != simdjson::SUCCESS)
      throw Error(path + ": a COCO results file must be a JSON list of {image_id, category_id, bbox, score}");
    for_each_object(arr, path, [&](auto& obj, const std::string& w) {
      CocoResult r;
      int seen = 0;
      for (auto f : obj) {
        const std::string_view k = f.unescaped_key();
        if (k == "image_id") r.image_id = integer(f.value(), w + ".image_id"), seen |= 1;
        else if (k == "category_id") r.category_id = integer(f.value(), w + ".category_id"), seen |= 2;
        else if (k == "bbox") r.bbox = box4(f.value(), w + ".bbox"), seen |= 4;
        else if (k == "score") r.score = number(f.value(), w + ".score"), seen |= 8;
      }
      if (seen != 15) throw Error(w + ": a result needs image_id, category_id, bbox and score");
      out.push_back(r);
    });
  } catch (const simdjson::simdjson_error& e) {
    throw Error(path + ": invalid COCO results JSON (" + std::string(e.what()) + ")");
  }
  return out;
}

void write_results(const std::string& path, const std::vector<CocoResult>& results) {
  nlohmann::json arr = nlohmann::json::array();
  for (const CocoResult& r : results) {
    arr.push_back({{"image_id", r.image_id},
                   {"category_id", r.category_id},
                   {"bbox", {r.bbox[0], r.bbox[1], r.bbox[2], r.bbox[3]}},
                   {"score", r.score}});
  }
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw Error("cannot write results file '" + path + "' (is the folder writable?)");
    f << arr.dump();
    if (!f) throw Error("cannot write results file '" + path + "' (disk full?)");
  }
  fs::rename(tmp, target, ec);
  if (ec) throw Error("cannot move '" + tmp + "' to '" + path + "': " + ec.message());
}

}  // namespace detseq::coco
