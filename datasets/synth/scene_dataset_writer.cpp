#include "datasets/synth/scene_dataset_writer.h"

#include <opencv2/imgcodecs.hpp>
#include <tbb/parallel_for.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/io/atomic_file.h"
#include "core/util/error.h"
#include "core/util/random.h"

namespace detseq::synth {
namespace fs = std::filesystem;
namespace {

std::string scene_name(const std::string& split, int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "_%06lld", static_cast<long long>(i));
  return split + buf;
}

// Each split gets its own stream of scene seeds, so adding val scenes never changes train scenes.
uint64_t split_key(const std::string& name) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

struct Layout {
  std::string images_dir, annotations;
  std::string image_path(const std::string& name, const std::string& ext) const { return images_dir + "/" + name + "." + ext; }
};

Layout layout_of(const DatasetWriteOptions& o, const std::string& split) {
  if (o.format == "coco") return {o.out_dir + "/" + split, o.out_dir + "/annotations/instances_" + split + ".json"};
  if (o.format == "voc") return {o.out_dir + "/JPEGImages", o.out_dir + "/ImageSets/Main/" + split + ".txt"};
  return {o.out_dir + "/images/" + split, o.out_dir + "/labels/" + split};  // yolo
}

void write_image(const std::string& path, const cv::Mat& image, const DatasetWriteOptions& o) {
  std::vector<int> params;
  if (o.image_format == "jpg") params = {cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality};
  else params = {cv::IMWRITE_PNG_COMPRESSION, 3};
  bool ok = false;
  try {
    ok = cv::imwrite(path, image, params);
  } catch (const cv::Exception& e) {
    throw Error(path + ": cannot write the image (" + e.what() + ")");
  }
  if (!ok) throw Error(path + ": cannot write the image (disk full or no permission?)");
}

void write_coco(const DatasetWriteOptions& o, const SplitSpec& split, const std::vector<Scene>& scenes,
                const Layout& layout) {
  nlohmann::json images = nlohmann::json::array(), anns = nlohmann::json::array(), cats = nlohmann::json::array();
  int64_t ann_id = 1;
  for (size_t i = 0; i < scenes.size(); ++i) {
    const int64_t image_id = static_cast<int64_t>(i) + 1;
    images.push_back({{"id", image_id}, {"file_name", scene_name(split.name, i) + "." + o.image_format},
                      {"width", o.scene.size}, {"height", o.scene.size}});
    for (const SceneObject& obj : scenes[i].objects) {
      anns.push_back({{"id", ann_id++}, {"image_id", image_id}, {"category_id", obj.label + 1},
                      {"bbox", {obj.x0, obj.y0, obj.x1 - obj.x0, obj.y1 - obj.y0}}, {"area", obj.area},
                      {"iscrowd", 0}});
    }
  }
  for (size_t c = 0; c < o.classes.size(); ++c)
    cats.push_back({{"id", static_cast<int64_t>(c) + 1}, {"name", o.classes[c]}, {"supercategory", "item"}});
  const nlohmann::json doc = {{"info", {{"description", o.source_description}, {"split", split.name}}},
                              {"images", images}, {"annotations", anns}, {"categories", cats}};
  io::write_file_atomic(layout.annotations, doc.dump());
}

void write_voc_annotation(const DatasetWriteOptions& o, const std::string& name, const Scene& scene) {
  std::ostringstream x;
  x << "<annotation>\n  <folder>JPEGImages</folder>\n  <filename>" << name << "." << o.image_format
    << "</filename>\n  <size><width>" << o.scene.size << "</width><height>" << o.scene.size
    << "</height><depth>3</depth></size>\n";
  for (const SceneObject& obj : scene.objects) {
    x << "  <object><name>" << xml_escape(o.classes.at(obj.label)) << "</name><difficult>0</difficult>"
      << "<bndbox><xmin>" << obj.x0 << "</xmin><ymin>" << obj.y0 << "</ymin><xmax>" << obj.x1 << "</xmax><ymax>"
      << obj.y1 << "</ymax></bndbox></object>\n";
  }
  x << "</annotation>\n";
  io::write_file_atomic(o.out_dir + "/Annotations/" + name + ".xml", x.str());
}

void write_yolo_labels(const DatasetWriteOptions& o, const Layout& layout, const std::string& name, const Scene& scene) {
  std::ostringstream t;
  t.setf(std::ios::fixed);
  t.precision(6);
  const double s = o.scene.size;
  for (const SceneObject& obj : scene.objects) {
    t << obj.label << ' ' << (obj.x0 + obj.x1) / (2 * s) << ' ' << (obj.y0 + obj.y1) / (2 * s) << ' '
      << (obj.x1 - obj.x0) / s << ' ' << (obj.y1 - obj.y0) / s << '\n';
  }
  io::write_file_atomic(layout.annotations + "/" + name + ".txt", t.str());
}

}  // namespace

std::string generation_record(const DatasetWriteOptions& o, const std::vector<SplitSpec>& splits) {
  const SceneOptions& s = o.scene;
  nlohmann::json j = {{"generator", "detseq make-dataset fashion-mnist v1"},
                      {"source", o.source_description},
                      {"format", o.format},
                      {"image_format", o.image_format},
                      {"seed", o.seed},
                      {"size", s.size},
                      {"objects", {s.min_objects, s.max_objects}},
                      {"scale", {s.min_scale, s.max_scale}},
                      {"max_iou", s.max_iou},
                      {"min_visible", s.min_visible},
                      {"noise", s.noise},
                      {"clutter", {s.min_clutter, s.max_clutter}},
                      {"classes", o.classes}};
  if (o.image_format == "jpg") j["jpeg_quality"] = o.jpeg_quality;
  for (const SplitSpec& sp : splits) j["splits"][sp.name] = {sp.count, sp.pool.begin, sp.pool.end};
  return j.dump(2) + "\n";
}

std::vector<SplitSummary> write_scene_dataset(const DatasetWriteOptions& o, const std::vector<SplitSpec>& splits) {
  if (o.format != "coco" && o.format != "voc" && o.format != "yolo")
    throw Error("--format must be coco, voc or yolo, got '" + o.format + "'");
  if (o.image_format != "png" && o.image_format != "jpg")
    throw Error("--image-format must be png or jpg, got '" + o.image_format + "'");
  o.scene.validate();
  std::vector<SplitSummary> summaries;
  for (const SplitSpec& split : splits) {
    if (split.count <= 0) continue;
    if (split.pool.end <= split.pool.begin) throw Error("split '" + split.name + "' has no items to draw from");
    const Layout layout = layout_of(o, split.name);
    std::vector<std::string> dirs = {layout.images_dir, fs::path(layout.annotations).parent_path().string()};
    if (o.format == "voc") dirs.push_back(o.out_dir + "/Annotations");
    if (o.format == "yolo") dirs.push_back(layout.annotations);
    for (const std::string& dir : dirs) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) throw Error(dir + ": cannot create the folder (" + ec.message() + ")");
    }
    std::vector<Scene> scenes(static_cast<size_t>(split.count));
    const uint64_t key = split_key(split.name);
    tbb::parallel_for(int64_t{0}, split.count, [&](int64_t i) {
      Scene scene = render_scene(split.pool, o.scene, derive_seed(o.seed, key, static_cast<uint64_t>(i)));
      const std::string name = scene_name(split.name, i);
      write_image(layout.image_path(name, o.image_format), scene.image, o);
      if (o.format == "voc") write_voc_annotation(o, name, scene);
      if (o.format == "yolo") write_yolo_labels(o, layout, name, scene);
      scene.image.release();  // keep only the annotations in memory
      scenes[static_cast<size_t>(i)] = std::move(scene);
    });
    SplitSummary summary{split.name, split.count, 0, layout.annotations, layout.images_dir};
    for (const Scene& s : scenes) summary.objects += static_cast<int64_t>(s.objects.size());
    if (o.format == "coco") write_coco(o, split, scenes, layout);
    if (o.format == "voc") {
      std::string ids;
      for (int64_t i = 0; i < split.count; ++i) ids += scene_name(split.name, i) + "\n";
      io::write_file_atomic(layout.annotations, ids);
    }
    summaries.push_back(summary);
  }
  if (o.format == "yolo") {
    std::string names;
    for (const std::string& c : o.classes) names += c + "\n";
    io::write_file_atomic(o.out_dir + "/classes.txt", names);
  }
  io::write_file_atomic(o.out_dir + "/generation.json", generation_record(o, splits));
  return summaries;
}

}  // namespace detseq::synth
