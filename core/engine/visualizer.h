// The run's visualizer (mmengine's Visualizer): config `visualizer`, which fans the scalars of
// LoggerHook and the drawn images of DetVisualizationHook out to its `vis_backends`:
//
//   visualizer: {type: DetLocalVisualizer, vis_backends: [{type: LocalVisBackend}, {type: TensorboardVisBackend}]}
//
// Both the visualizer and each backend are registry components (families `visualizer` and
// `vis_backend`); without a `visualizer` key a run has LocalVisBackend only (vis_data/scalars.json).
// Backends write under <log_dir>/vis_data, on rank 0 only, and create their files at the first
// write. The engine stays free of OpenCV: callers hand images over already PNG-encoded.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config/config_node.h"
#include "core/registry/registry.h"

namespace detseq {

class Runner;

// One line of scalars in logging order (scalars.json's keys, "step" aside).
using ScalarRow = std::vector<std::pair<std::string, double>>;

struct EncodedImage {
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 3;  // 3 RGB, 4 RGBA, 1 grey
  std::string png;       // the PNG file's bytes
};

class VisBackend {
 public:
  virtual ~VisBackend() = default;
  // This run's folder (<log_dir>/vis_data) and timestamp; called once, before any add_*.
  virtual void open(const std::string& save_dir, const std::string& timestamp) = 0;
  virtual void add_scalars(const ScalarRow& row, int64_t step) = 0;
  // Whether add_image stores anything (callers skip encoding images when no backend does).
  virtual bool takes_images() const { return false; }
  virtual void add_image(const std::string& /*tag*/, const EncodedImage& /*image*/, int64_t /*step*/) {}
};

DETSEQ_DECLARE_FAMILY(VisBackend, "vis_backend",
                      "visualizer.vis_backends: where a run's scalars and drawn images go (<log dir>/vis_data)");

struct VisualizerOptions {
  std::vector<ComponentCfg> vis_backends{ComponentCfg::of("LocalVisBackend")};
  std::string name = "visualizer";
  template <class V>
  void visit(V& v) {
    v("vis_backends", vis_backends, "vis_backend list: LocalVisBackend (scalars.json) | TensorboardVisBackend");
    v("name", name, "accepted for mmengine configs");
  }
};

class Visualizer {
 public:
  explicit Visualizer(const VisualizerOptions& options);  // builds the backends; no file I/O

  // The visualizer of this runner, built from its config on the first call and shared by the
  // hooks that hold it (mmengine's Visualizer.get_current_instance()); files close when the last
  // holder goes, i.e. with the runner's hooks.
  static std::shared_ptr<Visualizer> of_run(Runner& runner);

  // Rank 0 only, as mmengine's backends; other ranks return at once.
  void add_scalars(const ScalarRow& row, int64_t step);
  bool takes_images() const;
  void add_image(const std::string& tag, const EncodedImage& image, int64_t step);

  void open(const std::string& save_dir, const std::string& timestamp);
  const std::vector<std::shared_ptr<VisBackend>>& backends() const { return backends_; }

 private:
  std::vector<std::shared_ptr<VisBackend>> backends_;
};

DETSEQ_DECLARE_FAMILY(Visualizer, "visualizer",
                      "config `visualizer`: hands the logged scalars and drawn images to its vis_backends");

// The config's `visualizer` (root key; absent or null: the default one), type DetLocalVisualizer
// when the map names none. Errors name visualizer.* with file:line (unknown backend types and keys
// with a suggestion).
std::shared_ptr<Visualizer> build_visualizer(const ConfigNode& root);

}  // namespace detseq
