// detseq benchmark infer CONFIG [CHECKPOINT] [--images 50] [--warmup 5] [--threads N]
// Inference speed on real images from test_dataloader: images/s end to end (loading + pipeline
// + model) and model latency percentiles per batch, warm-up batches excluded; peak memory (RSS).
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/engine/runner.h"
#include "core/util/error.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string config, checkpoint;
  std::vector<std::string> cfg_options;
  int64_t images = 50, warmup = 5;
  int threads = 0;
};

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  const double pos = q * (v.size() - 1);  // linear interpolation, as numpy's default
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // Linux reports KiB
}

int run(Options o) {
  apply_threads_flag(o.threads, o.cfg_options);
  if (o.images <= 0 || o.warmup < 0) throw Error("--images must be positive and --warmup not negative");
  const Config config = load_config(o.config, o.cfg_options);
  RunnerLaunch launch;
  launch.write_config = false;
  auto runner = Runner::from_config(config, launch);
  if (!o.checkpoint.empty()) runner->load_checkpoint(o.checkpoint);
  Detector& model = runner->model();
  model.eval();
  DataLoader& loader = runner->test_dataloader();
  using clock = std::chrono::steady_clock;
  std::vector<double> latency_ms;
  int64_t timed_images = 0, seen = 0, batches = 0;
  double timed_s = 0;
  torch::NoGradGuard no_grad;
  while (timed_images < o.images) {
    loader.start_epoch(0, 0);
    bool any = false;
    auto t_data = clock::now();
    while (auto batch = loader.next()) {
      any = true;
      const auto t0 = clock::now();
      const auto dets = model.predict(runner->device().is_cpu() ? *batch : batch->to(runner->device()));
      const auto t1 = clock::now();
      const bool warm = batches >= o.warmup;
      ++batches;
      seen += batch->size();
      if (warm) {
        latency_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        timed_s += std::chrono::duration<double>(t1 - t_data).count();
        timed_images += batch->size();
      }
      t_data = clock::now();
      if (timed_images >= o.images) break;
    }
    if (!any) throw Error("benchmark infer: test_dataloader yields no batches");
  }
  const double ips = timed_s > 0 ? timed_images / timed_s : 0;
  std::printf("benchmark infer: %s\n", o.config.c_str());
  std::printf("  device %s, torch threads %d, batch size %lld\n", runner->device().str().c_str(),
              torch::get_num_threads(), static_cast<long long>(seen / std::max<int64_t>(1, batches)));
  std::printf("  %lld images timed after %lld warm-up batches\n", static_cast<long long>(timed_images),
              static_cast<long long>(o.warmup));
  std::printf("  throughput (load + pipeline + model): %.2f images/s\n", ips);
  std::printf("  model latency per batch: p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  (mean %.1f ms)\n",
              percentile(latency_ms, 0.5), percentile(latency_ms, 0.9), percentile(latency_ms, 0.99),
              latency_ms.empty() ? 0.0 : std::accumulate(latency_ms.begin(), latency_ms.end(), 0.0) / latency_ms.size());
  std::printf("  peak memory (RSS): %.0f MiB\n", peak_rss_mib());
  return 0;
}

DETSEQ_SUBCOMMAND("benchmark", "infer", "inference speed on test_dataloader images: images/s, latency p50/p90/p99, peak RSS",
                  [](CLI::App& app) {
                    auto o = std::make_shared<Options>();
                    app.add_option("config", o->config, "config file (YAML)")->required();
                    app.add_option("checkpoint", o->checkpoint, "checkpoint (.pth); random weights when omitted");
                    app.add_option("--images", o->images, "images to time (the test set is repeated if smaller)");
                    app.add_option("--warmup", o->warmup, "batches run before timing starts");
                    add_threads_flag(app, o->threads);
                    add_cfg_options(app, o->cfg_options);
                    return [o] { return run(*o); };
                  });

}  // namespace
}  // namespace detseq::cli
