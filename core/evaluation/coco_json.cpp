#include "core/evaluation/coco_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/io/json_array_stream.h"
#include "core/util/error.h"

namespace detseq::coco {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// Field readers: `w` names the element lazily (building a name per field would cost more than
// parsing), `field` is appended to it in error messages.
template <class Name>
double number(element v, const Name& w, const char* field) {
  double d = 0;
  if (v.get_double().get(d) != simdjson::SUCCESS) throw Error(w() + field + ": expected a number");
  return d;
}

template <class Name>
int64_t integer(element v, const Name& w, const char* field) {
  int64_t i = 0;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return i;
  const double d = number(v, w, field);
  if (d != std::floor(d)) throw Error(w() + field + ": expected an integer id, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

template <class Name>
std::string text(element v, const Name& w, const char* field) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) throw Error(w() + field + ": expected a string");
  return std::string(s);
}

template <class Name>
std::array<double, 4> box4(element v, const Name& w, const char* field) {
  std::array<double, 4> b{};
  size_t n = 0;
  simdjson::dom::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) throw Error(w() + field + ": expected a list [x, y, w, h]");
  for (element x : arr) {
    if (n >= 4) throw Error(w() + field + ": expected 4 numbers [x, y, w, h], got more");
    b[n] = number(x, w, field);
    ++n;
  }
  if (n != 4) throw Error(w() + field + ": expected 4 numbers [x, y, w, h], got " + std::to_string(n));
  return b;
}

template <class Name>
bool flag(element v, const Name& w, const char* field) {
  bool b = false;
  if (v.get_bool().get(b) == simdjson::SUCCESS) return b;
  return integer(v, w, field) != 0;
}

// Calls fn(object, "where[i]") for every element; the name is built lazily (only errors need it).
template <class Fn>
void for_each_object(JsonArrayBatch& batch, const std::string& where, Fn fn) {
  size_t i = batch.first_index;
  for (element item : batch.items) {
    const auto name = [&] { return where + "[" + std::to_string(i) + "]"; };
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) throw Error(name() + ": expected an object");
    fn(obj, name);
    ++i;
  }
}

template <class Name>
CocoImage read_image(object obj, const Name& w) {
  CocoImage im;
  bool has_id = false;
  for (auto [k, v] : obj) {
    if (k == "id") im.id = integer(v, w, ".id"), has_id = true;
    else if (k == "width") im.width = integer(v, w, ".width");
    else if (k == "height") im.height = integer(v, w, ".height");
    else if (k == "file_name") im.file_name = text(v, w, ".file_name");
  }
  if (!has_id) throw Error(w() + ": image without 'id'");
  return im;
}

template <class Name>
CocoAnnotation read_annotation(object obj, const Name& w) {
  CocoAnnotation a;
  bool has_area = false;
  int seen = 0;  // bit flags: image_id, category_id, bbox
  for (auto [k, v] : obj) {
    if (k == "id") a.id = integer(v, w, ".id");
    else if (k == "image_id") a.image_id = integer(v, w, ".image_id"), seen |= 1;
    else if (k == "category_id") a.category_id = integer(v, w, ".category_id"), seen |= 2;
    else if (k == "bbox") a.bbox = box4(v, w, ".bbox"), seen |= 4;
    else if (k == "area") a.area = number(v, w, ".area"), has_area = true;
    else if (k == "iscrowd") a.iscrowd = flag(v, w, ".iscrowd");
    else if (k == "ignore") a.ignore = flag(v, w, ".ignore");
  }
  if (!(seen & 4)) throw Error(w() + ": annotation without 'bbox' (bbox evaluation needs [x, y, w, h])");
  if (seen != 7) throw Error(w() + ": annotation without 'image_id' or 'category_id'");
  if (!has_area) a.area = a.bbox[2] * a.bbox[3];
  return a;
}

template <class Name>
Segmentation read_segmentation(element v, const Name& w) {
  Segmentation seg;
  simdjson::dom::array polygons;
  simdjson::dom::object rle;
  if (v.get_array().get(polygons) == simdjson::SUCCESS) {
    for (element poly : polygons) {
      simdjson::dom::array coords;
      if (poly.get_array().get(coords) != simdjson::SUCCESS)
        throw Error(w() + ".segmentation: expected a list of polygons [[x0, y0, x1, y1, ...], ...]");
      std::vector<float> p;
      for (element c : coords) p.push_back(static_cast<float>(number(c, w, ".segmentation")));
      if (p.size() % 2 != 0 || p.size() < 6)
        throw Error(w() + ".segmentation: a polygon needs an even number (>= 6) of coordinates, got " + std::to_string(p.size()));
      seg.polygons.push_back(std::move(p));
    }
  } else if (v.get_object().get(rle) == simdjson::SUCCESS) {
    element counts, size;
    if (rle["counts"].get(counts) != simdjson::SUCCESS || rle["size"].get(size) != simdjson::SUCCESS)
      throw Error(w() + ".segmentation: an RLE needs 'counts' and 'size' [h, w]");
    simdjson::dom::array size_arr;
    if (size.get_array().get(size_arr) != simdjson::SUCCESS || size_arr.size() != 2)
      throw Error(w() + ".segmentation.size: expected [height, width]");
    seg.rle_height = integer(size_arr.at(0), w, ".segmentation.size");
    seg.rle_width = integer(size_arr.at(1), w, ".segmentation.size");
    std::string_view text;
    simdjson::dom::array runs;
    if (counts.get_string().get(text) == simdjson::SUCCESS) {
      try {
        seg.rle_counts = decode_rle_string(std::string(text));
      } catch (const Error& e) {
        throw Error(w() + ".segmentation.counts: " + e.what());
      }
    } else if (counts.get_array().get(runs) == simdjson::SUCCESS) {
      for (element r : runs) seg.rle_counts.push_back(static_cast<uint32_t>(integer(r, w, ".segmentation.counts")));
    } else {
      throw Error(w() + ".segmentation.counts: expected a list of run lengths or a compressed RLE string");
    }
    uint64_t total = 0;
    for (uint32_t c : seg.rle_counts) total += c;
    if (total != static_cast<uint64_t>(seg.rle_height * seg.rle_width))
      throw Error(w() + ".segmentation: RLE runs cover " + std::to_string(total) + " pixels, size says " +
                  std::to_string(seg.rle_height) + "x" + std::to_string(seg.rle_width));
  } else {
    throw Error(w() + ".segmentation: expected polygons [[x, y, ...], ...] or an RLE {counts, size}");
  }
  return seg;
}

template <class Name>
CocoCategory read_category(object obj, const Name& w) {
  CocoCategory c;
  bool has_id = false;
  for (auto [k, v] : obj) {
    if (k == "id") c.id = integer(v, w, ".id"), has_id = true;
    else if (k == "name") c.name = text(v, w, ".name");
  }
  if (!has_id || c.name.empty()) throw Error(w() + ": category without 'id' or 'name'");
  return c;
}

void expect_readable(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error("cannot read JSON file '" + path + "' (missing or unreadable)");
}

}  // namespace

CocoGroundTruth load_ground_truth(const std::string& path, bool with_segmentation, const JsonArrayStreamOptions* stream) {
  expect_readable(path);
  CocoGroundTruth gt;
  const auto wanted = [](std::string_view key) { return key == "images" || key == "annotations" || key == "categories"; };
  const JsonRoot root = stream_json_arrays(path, wanted, [&](JsonArrayBatch& batch) {
    const std::string where = path + ": " + std::string(batch.key);
    if (batch.key == "images")
      for_each_object(batch, where, [&](object obj, const auto& w) { gt.images.push_back(read_image(obj, w)); });
    else if (batch.key == "annotations")
      for_each_object(batch, where, [&](object obj, const auto& w) {
        gt.annotations.push_back(read_annotation(obj, w));
        if (!with_segmentation) return;
        element seg;
        gt.segmentations.push_back(obj["segmentation"].get(seg) == simdjson::SUCCESS ? read_segmentation(seg, w) : Segmentation{});
      });
    else
      for_each_object(batch, where, [&](object obj, const auto& w) { gt.categories.push_back(read_category(obj, w)); });
  }, stream ? *stream : JsonArrayStreamOptions{});
  if (!root.is_object) throw Error(path + ": a COCO annotation file must be a JSON object {images, annotations, categories}");
  for (const char* required : {"images", "categories"})
    if (std::find(root.keys.begin(), root.keys.end(), required) == root.keys.end())
      throw Error(path + ": no '" + std::string(required) +
                  "' list; not a COCO annotation file (needs 'images' and 'categories', usually 'annotations')");
  return gt;
}

std::vector<CocoResult> load_results(const std::string& path, const JsonArrayStreamOptions* stream) {
  expect_readable(path);
  std::vector<CocoResult> out;
  const JsonRoot root = stream_json_arrays(
      path, [](std::string_view key) { return key.empty(); },
      [&](JsonArrayBatch& batch) {
        for_each_object(batch, path, [&](object obj, const auto& w) {
          CocoResult r;
          int seen = 0;
          for (auto [k, v] : obj) {
            if (k == "image_id") r.image_id = integer(v, w, ".image_id"), seen |= 1;
            else if (k == "category_id") r.category_id = integer(v, w, ".category_id"), seen |= 2;
            else if (k == "bbox") r.bbox = box4(v, w, ".bbox"), seen |= 4;
            else if (k == "score") r.score = number(v, w, ".score"), seen |= 8;
          }
          if (seen != 15) throw Error(w() + ": a result needs image_id, category_id, bbox and score");
          out.push_back(r);
        });
      },
      stream ? *stream : JsonArrayStreamOptions{});
  if (root.is_object) throw Error(path + ": a COCO results file must be a JSON list of {image_id, category_id, bbox, score}");
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
