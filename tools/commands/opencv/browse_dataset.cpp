// detseq browse-dataset CONFIG [--output-dir DIR] [--phase train|val|test] [-n N]: runs a phase's
// dataset pipeline and writes each resulting image with its boxes and class names drawn. The
// pipeline's Normalize and PackDetInputs steps are left out so that the pixels stay displayable;
// every other step (and its randomness, epoch 0) is the loader's.
#include <torch/torch.h>

#include <filesystem>

#include "core/config/config.h"
#include "core/interfaces/data.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/visualization/draw.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string config;
  std::vector<std::string> cfg_options;
  std::string output_dir = "work_dirs/browse_dataset";
  std::string phase = "train";
  int64_t num = 20;
  bool crowd = true;
};

int run(const Options& o) {
  torch::set_num_threads(1);
  const Config config = load_config(o.config, o.cfg_options);
  if (o.phase != "train" && o.phase != "val" && o.phase != "test")
    throw Error("--phase must be train, val or test, got '" + o.phase + "'");
  const std::string key = o.phase + "_dataloader";
  const ConfigNode* ds_node = config.root.find_path(key + ".dataset");
  if (!ds_node || !ds_node->is_map()) throw Error(config.filename + ": no '" + key + ".dataset' in the config");
  ConfigNode dataset_cfg = *ds_node;
  if (ConfigNode* pipeline = dataset_cfg.find("pipeline"); pipeline && pipeline->is_sequence()) {
    ConfigNode kept = ConfigNode::sequence(pipeline->loc());
    for (const auto& step : pipeline->elements()) {
      const ConfigNode* type = step.is_map() ? step.find("type") : nullptr;
      const std::string t = type && type->is_scalar() ? type->scalar_value() : "";
      if (t != "Normalize" && t != "PackDetInputs") kept.push_back(step);
    }
    *pipeline = kept;
  }
  auto dataset = build<Dataset>(dataset_cfg, key + ".dataset");
  int64_t seed = 0;
  if (const ConfigNode* s = config.root.find_path(key + ".seed")) seed = s->as<int64_t>(key + ".seed");
  else if (const ConfigNode* e = config.root.find_path("env_cfg.seed"); e && !e->is_null()) seed = e->as<int64_t>("env_cfg.seed");

  vis::ClassStyle style;
  style.classes = dataset->metainfo().classes;
  style.palette = vis::Palette(dataset->metainfo().palette);
  std::filesystem::create_directories(o.output_dir);
  const int64_t n = std::min<int64_t>(o.num, static_cast<int64_t>(dataset->size()));
  int64_t written = 0;
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = sample_rng(static_cast<uint64_t>(seed), 0, static_cast<uint64_t>(i), 0);
    std::optional<Sample> s = dataset->get(static_cast<size_t>(i), rng);
    if (!s) continue;
    torch::Tensor image = s->image;
    if (image.scalar_type() != torch::kUInt8) image = image.clamp(0, 255).to(torch::kUInt8);
    cv::Mat canvas = vis::tensor_to_mat(image);
    Instances shown = o.crowd ? s->instances : s->instances.targets();
    vis::draw_boxes(canvas, vis::BoxSet::from(shown), style);
    const std::string stem = std::filesystem::path(s->meta.file_path).stem().string();
    const std::string out = (std::filesystem::path(o.output_dir) / (std::to_string(i) + "_" + stem + ".jpg")).string();
    vis::save_image(out, canvas);
    ++written;
  }
  DETSEQ_INFO("browse-dataset: wrote {} image(s) to {}", written, o.output_dir);
  return 0;
}

DETSEQ_COMMAND("browse-dataset", "write a phase's pipeline output with boxes and class names drawn", [](CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("config", o->config, "config file (YAML)")->required();
  add_cfg_options(app, o->cfg_options);
  app.add_option("--output-dir", o->output_dir, "folder for the images")->capture_default_str();
  app.add_option("--phase", o->phase, "train | val | test")->capture_default_str();
  app.add_option("-n,--num", o->num, "number of dataset items to show")->capture_default_str();
  app.add_flag("!--no-crowd", o->crowd, "do not draw crowd / ignore regions");
  return [o] { return run(*o); };
});

}  // namespace
}  // namespace detseq::cli
