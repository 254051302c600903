#include "tools/commands/opencv/image_inputs.h"

#include <algorithm>
#include <filesystem>

#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "core/util/random.h"
#include "datasets/loader/collate.h"

namespace detseq::cli {
namespace fs = std::filesystem;

namespace {
bool is_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
    if (ext == e) return true;
  return false;
}

template <class T>
T option_or(const Config& config, const std::string& path, T fallback) {
  const ConfigNode* n = config.root.find_path(path);
  return n && !n->is_null() ? n->as<T>(path) : fallback;
}
}  // namespace

std::vector<std::string> collect_images(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && is_image(e.path())) found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p)) {
      out.push_back(p);
    } else {
      throw Error("input '" + p + "' is neither an image file nor a folder");
    }
  }
  if (out.empty()) throw Error("no images found in the given paths (looked for .jpg/.jpeg/.png/.bmp/.webp/.tif)");
  return out;
}

Compose inference_pipeline(const Config& config, bool from_memory) {
  const std::string key = "test_dataloader.dataset.pipeline";
  const ConfigNode* node = config.root.find_path(key);
  if (node == nullptr || !node->is_sequence())
    throw ConfigError(config.filename + ": " + key + " must be a list of transforms (the test pipeline)");
  ConfigNode kept = ConfigNode::sequence();
  bool replaced = false;
  for (size_t i = 0; i < node->size(); ++i) {
    const ConfigNode& t = (*node)[i];
    const ConfigNode* type = t.find("type");
    const std::string name = type && type->is_scalar() ? type->as<std::string>("type") : "";
    if (name == "LoadAnnotations") continue;
    if (from_memory && name == "LoadImageFromFile") {
      ConfigNode step = ConfigNode::map();
      step["type"] = make_scalar(std::string("LoadImageFromNDArray"));
      kept.push_back(step);
      replaced = true;
      continue;
    }
    kept.push_back(t);
  }
  if (from_memory && !replaced)
    throw ConfigError(config.filename + ": " + key + " has no LoadImageFromFile step to read frames in place of");
  return Compose::from_node(kept, key);
}

std::unique_ptr<Runner> inference_runner(const Config& config, const std::string& checkpoint,
                                         const std::string& out_dir, bool allow_partial) {
  RunnerLaunch launch;
  launch.work_dir = (std::filesystem::path(out_dir) / "logs").string();
  launch.write_config = false;
  auto runner = Runner::from_config(config, launch);
  runner->load_checkpoint(checkpoint, /*resume=*/false, /*strict=*/!allow_partial);
  runner->model().eval();
  return runner;
}

nlohmann::json detections_json(const Detections& d, const std::vector<std::string>& classes) {
  nlohmann::json dets = nlohmann::json::array();
  const int64_t k = d.size();
  if (k == 0) return dets;
  const auto b = d.boxes.to(torch::kFloat).contiguous();
  const auto s = d.scores.to(torch::kFloat).contiguous();
  const auto l = d.labels.to(torch::kLong).contiguous();
  for (int64_t i = 0; i < k; ++i) {
    const int64_t label = l[i].item<int64_t>();
    dets.push_back({{"bbox", {b[i][0].item<float>(), b[i][1].item<float>(), b[i][2].item<float>(), b[i][3].item<float>()}},
                    {"score", s[i].item<float>()},
                    {"label", label},
                    {"class", label >= 0 && label < static_cast<int64_t>(classes.size()) ? classes[label]
                                                                                         : std::to_string(label)}});
  }
  return dets;
}

Sample load_sample(const Compose& pipeline, const std::string& file, size_t index) {
  Sample s;
  s.meta.file_path = file;
  s.meta.image_id = static_cast<int64_t>(index);
  s.meta.sample_index = static_cast<int64_t>(index);
  Rng rng = sample_rng(0, 0, index);
  if (!pipeline.apply(s, rng)) throw Error(file + ": the test pipeline dropped this image");
  return s;
}

Batch collate_samples(const Config& config, std::vector<Sample>& samples) {
  return collate(samples, option_or<double>(config, "test_dataloader.pad_value", 0.0),
                 option_or<int64_t>(config, "test_dataloader.pad_size_divisor", 1));
}

Batch load_batch(const Config& config, const Compose& pipeline, const std::vector<std::string>& files, size_t begin,
                 size_t end) {
  std::vector<Sample> samples;
  for (size_t i = begin; i < end; ++i) samples.push_back(load_sample(pipeline, files[i], i));
  return collate_samples(config, samples);
}

std::vector<std::string> class_names(const Config& config, const std::string& checkpoint) {
  std::vector<std::string> names;
  if (!checkpoint.empty()) {
    const io::Value ckpt = io::read_checkpoint(checkpoint);
    const io::Value* meta = ckpt.find("meta");
    const io::Value* dm = meta ? meta->find("dataset_meta") : nullptr;
    const io::Value* classes = dm ? dm->find("classes") : nullptr;
    if (classes && classes->is_sequence())
      for (const auto& c : classes->elements()) names.push_back(c.as_string());
    if (!names.empty()) return names;
  }
  const std::string key = "test_dataloader.dataset.metainfo.classes";
  if (const ConfigNode* n = config.root.find_path(key); n && n->is_sequence())
    names = n->as<std::vector<std::string>>(key);
  return names;
}

}  // namespace detseq::cli
