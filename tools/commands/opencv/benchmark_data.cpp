// detseq benchmark data CONFIG [--num-workers 2] [-n N] [--phase train]: images per second through
// a phase's data loader (decode, pipeline, collate), the first batch counted as warm-up.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "core/config/config.h"
#include "core/logging/logging.h"
#include "tools/command.h"
#include "tools/commands/opencv/data_loader_cfg.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string config;
  std::vector<std::string> cfg_options;
  std::string phase = "train";
  int64_t num_workers = 2;
  int64_t num_images = 256;
  int torch_threads = 1;
  bool load_only = false;
};

int run(const Options& o) {
  torch::set_num_threads(o.torch_threads);
  const Config config = load_config(o.config, o.cfg_options);
  using Clock = std::chrono::steady_clock;
  const auto build_start = Clock::now();
  auto loader = build_phase_loader(config, o.phase, o.num_workers);
  const double build_seconds = std::chrono::duration<double>(Clock::now() - build_start).count();
  if (o.load_only) {  // annotation parsing cost (e.g. a 450 MB COCO JSON)
    const CocoGroundTruth& gt = loader->dataset().ground_truth();
    std::printf("benchmark data: dataset built in %.3f s (%zu images, %zu annotations, %lld batches per epoch)\n",
                build_seconds, loader->dataset().size(), gt.annotations.size(),
                static_cast<long long>(loader->batches_per_epoch()));
    return 0;
  }
  int64_t images = 0, warm_images = 0, epoch = 0;
  Clock::time_point start;
  loader->start_epoch(epoch);
  while (images < o.num_images + warm_images) {
    std::optional<Batch> batch = loader->next();
    if (!batch) {
      loader->start_epoch(++epoch);
      continue;
    }
    images += batch->size();
    if (warm_images == 0) {  // the first batch pays thread start-up and cold caches
      warm_images = images;
      start = Clock::now();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const int64_t timed = images - warm_images;
  std::printf("benchmark data: %lld images in %.3f s = %.1f images/s (%s pipeline, %lld workers, %d torch threads)\n",
              static_cast<long long>(timed), seconds, timed / seconds, o.phase.c_str(),
              static_cast<long long>(o.num_workers), o.torch_threads);
  return 0;
}

DETSEQ_SUBCOMMAND("benchmark", "data", "images/s through a phase's data pipeline and loader", [](CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("config", o->config, "config file (YAML)")->required();
  add_cfg_options(app, o->cfg_options);
  app.add_option("--phase", o->phase, "train | val | test")->capture_default_str();
  app.add_option("--num-workers", o->num_workers, "loader threads")->capture_default_str();
  app.add_option("-n,--num-images", o->num_images, "images to time (after one warm-up batch)")->capture_default_str();
  app.add_flag("--load-only", o->load_only, "only time building the dataset (annotation parsing)");
  app.add_option("--torch-threads", o->torch_threads, "LibTorch intra-op threads")->capture_default_str();
  return [o] { return run(*o); };
});

}  // namespace
}  // namespace detseq::cli
