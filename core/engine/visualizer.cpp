#include "core/engine/visualizer.h"

#include <filesystem>
#include <map>
#include <mutex>

#include "core/dist/dist.h"
#include "core/engine/runner.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(VisBackend);
DETSEQ_DEFINE_FAMILY(Visualizer);

Visualizer::Visualizer(const VisualizerOptions& options) {
  for (const ComponentCfg& cfg : options.vis_backends) backends_.push_back(build<VisBackend>(cfg));
}

void Visualizer::open(const std::string& save_dir, const std::string& timestamp) {
  for (auto& b : backends_) b->open(save_dir, timestamp);
}

void Visualizer::add_scalars(const ScalarRow& row, int64_t step) {
  if (!dist::is_main_process()) return;
  for (auto& b : backends_) b->add_scalars(row, step);
}

bool Visualizer::takes_images() const {
  for (const auto& b : backends_)
    if (b->takes_images()) return true;
  return false;
}

void Visualizer::add_image(const std::string& tag, const EncodedImage& image, int64_t step) {
  if (!dist::is_main_process()) return;
  for (auto& b : backends_)
    if (b->takes_images()) b->add_image(tag, image, step);
}

std::shared_ptr<Visualizer> Visualizer::of_run(Runner& runner) {
  // Keyed by runner and its log dir; weak, so that a runner's visualizer dies with its hooks and a
  // later runner at the same address builds its own.
  static std::mutex mutex;
  static std::map<const Runner*, std::pair<std::string, std::weak_ptr<Visualizer>>> runs;
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = runs.begin(); it != runs.end();) it = it->second.second.expired() ? runs.erase(it) : std::next(it);
  auto& [log_dir, weak] = runs[&runner];
  if (auto alive = weak.lock(); alive && log_dir == runner.log_dir()) return alive;
  auto built = build_visualizer(runner.config().root);
  built->open((std::filesystem::path(runner.log_dir()) / "vis_data").string(), runner.timestamp());
  log_dir = runner.log_dir();
  weak = built;
  return built;
}

std::shared_ptr<Visualizer> build_visualizer(const ConfigNode& root) {
  const ConfigNode* node = root.find("visualizer");
  if (!node || node->is_null()) return std::make_shared<Visualizer>(VisualizerOptions{});
  ConfigNode cfg = *node;
  // mmdet's configs name the type; a bare `visualizer: {vis_backends: ...}` means the same.
  if (cfg.is_map() && !cfg.has("type")) cfg.set("type", ConfigNode::scalar("DetLocalVisualizer", cfg.loc()));
  return build<Visualizer>(cfg, "visualizer");
}

DETSEQ_REGISTER_AS(Visualizer, Visualizer, VisualizerOptions, "DetLocalVisualizer",
                   "mmdet's visualizer: hands scalars and drawn images to its vis_backends");
DETSEQ_REGISTER_AS(Visualizer, Visualizer, VisualizerOptions, "Visualizer", "mmengine's name for the same visualizer");

}  // namespace detseq
