// detseq browse-dataset CONFIG [--output-dir DIR] [--phase train|val|test] [-n N]: runs a phase's
// dataset pipeline and writes each resulting image with its boxes and class names drawn. Every step
// but PackDetInputs runs (with its randomness, epoch 0), and a Normalize is inverted for display,
// so padding shows the value the model sees (Pad after Normalize: the mean colour), not black.
#include <torch/torch.h>

#include <filesystem>
#include <optional>

#include "core/config/config.h"
#include "core/interfaces/data.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/visualization/draw.h"
#include "tools/command.h"
#include "tools/commands/opencv/phase_dataset.h"
#include "pipelines/photometric/normalize.h"
#include "core/registry/options.h"

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

// The mean and std of the pipeline's Normalize step, if it has one.
std::optional<std::pair<std::vector<double>, std::vector<double>>> normalization(const Config& config,
                                                                               const std::string& phase) {
  const std::string key = phase + "_dataloader.dataset.pipeline";
  const ConfigNode* pipeline = config.root.find_path(key);
  if (!pipeline || !pipeline->is_sequence()) return std::nullopt;
  for (size_t i = 0; i < pipeline->size(); ++i) {
    const ConfigNode& step = (*pipeline)[i];
    const ConfigNode* type = step.is_map() ? step.find("type") : nullptr;
    if (!type || !type->is_scalar() || type->scalar_value() != "Normalize") continue;
    // Normalize's own option struct: its defaults and checks, not a copy of them.
    const auto o = read_options<NormalizeOptions>(step, key + "." + std::to_string(i), "Normalize");
    if (o.mean.size() != 3 || o.std.size() != 3) throw Error(key + ": Normalize needs 3 means and 3 stds");
    return std::make_pair(o.mean, o.std);
  }
  return std::nullopt;
}

int run(const Options& o) {
  torch::set_num_threads(1);
  const Config config = load_config(o.config, o.cfg_options);
  auto dataset = build_phase_dataset(config, o.phase, [](const std::string& type) { return type != "PackDetInputs"; });
  const int64_t seed = phase_seed(config, o.phase);
  const auto norm = normalization(config, o.phase);

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
    if (norm && image.scalar_type() == torch::kFloat)  // HWC: x * std + mean per channel
      image = image * torch::tensor(norm->second, torch::kFloat) + torch::tensor(norm->first, torch::kFloat);
    if (image.scalar_type() != torch::kUInt8) image = image.round().clamp(0, 255).to(torch::kUInt8);
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
