// The `detseq` binary: subcommands from tools/commands/, one-line errors, non-zero exit codes.
#include <c10/util/Exception.h>
#include <torch/utils.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>
#include <tuple>

#include "core/dist/init.h"
#include "core/engine/stop_signals.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "tools/command.h"

namespace detseq::cli {

std::vector<CommandEntry>& commands() {
  static std::vector<CommandEntry> all;
  return all;
}

void add_cfg_options(CLI::App& app, std::vector<std::string>& into) {
  app.add_option("--cfg-options", into, "override config keys: key.path=value, repeatable (values as mmengine DictAction: a,b lists, [(1,2),(3,4)] nests, else YAML; see docs/config.md)")
      ->expected(1, -1)
      ->allow_extra_args(true);
}

void add_launch_flags(CLI::App& app, LaunchFlags& into) {
  app.add_option("--launcher", into.launcher,
                 "none (one process), pytorch (RANK/WORLD_SIZE/... as tools/dist_*.sh and torchrun set them) or "
                 "slurm (SLURM_PROCID/SLURM_NTASKS/...); default: whichever of these the environment has")
      ->check(CLI::IsMember({"none", "pytorch", "slurm"}));
  add_threads_flag(app, into.threads);
}

void add_threads_flag(CLI::App& app, int& into) {
  app.add_option("--threads", into,
                 "LibTorch intra-op threads (default: env_cfg.num_threads, else OMP_NUM_THREADS, else every core)")
      ->check(CLI::Range(1, kMaxThreads));
}

void apply_threads_flag(int threads, std::vector<std::string>& cfg_options) {
  if (threads > 0) cfg_options.push_back("env_cfg.num_threads=" + std::to_string(threads));
}

void apply_launch_flags(const LaunchFlags& flags, std::vector<std::string>& cfg_options) {
  if (!flags.launcher.empty()) dist::set_launcher(dist::parse_launcher(flags.launcher));
  apply_threads_flag(flags.threads, cfg_options);
}

int default_thread_count() {
  const char* omp = std::getenv("OMP_NUM_THREADS");
  if (omp == nullptr || *omp == '\0') return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // OpenMP allows a list for nested levels ("4,2"); the first entry is the outer level.
  const std::string text(omp);
  const std::string first = text.substr(0, text.find(','));
  int n = 0;
  const auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), n);
  if (ec != std::errc() || end != first.data() + first.size() || n < 1 || n > kMaxThreads)
    throw Error("OMP_NUM_THREADS='" + text + "' is not a thread count in [1, " + std::to_string(kMaxThreads) +
                "] (unset it, or e.g. OMP_NUM_THREADS=4)");
  return n;
}

}  // namespace detseq::cli

int main(int argc, char** argv) {
  using namespace detseq;
  CLI::App app{"detseq: object detection (Pix2Seq, DETR) on LibTorch, configured like mmdetection"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warning, error");
  auto& entries = cli::commands();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return std::tie(a.group, a.name) < std::tie(b.group, b.name); });
  std::map<std::string, CLI::App*> groups;
  std::vector<std::pair<CLI::App*, cli::CommandRun>> runs;
  for (auto& entry : entries) {
    CLI::App* parent = &app;
    if (!entry.group.empty()) {
      auto& group = groups[entry.group];
      if (!group) {
        group = app.add_subcommand(entry.group, entry.group + " subcommands");
        group->require_subcommand(1);
      }
      parent = group;
    }
    CLI::App* sub = parent->add_subcommand(entry.name, entry.help);
    runs.emplace_back(sub, entry.setup(*sub));
  }
  // Exit codes: 0 ok, 1 a user or data error, 2 a usage error (unknown command, bad flag).
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::fprintf(stderr, "error: unknown command '%s'%s (detseq --help lists the commands)\n", argv[1],
                   did_you_mean(argv[1], names).c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    setup_logging(log_level);
    // Set explicitly rather than left to LibTorch's own default (one thread on Debian's build);
    // env_cfg.num_threads and --threads override it when the Runner is built.
    torch::set_num_threads(cli::default_thread_count());
    for (auto& [sub, run] : runs) {
      if (sub->parsed()) return run();
    }
  } catch (const TrainingInterrupted& e) {  // SIGINT / SIGTERM: 130 / 143, as the shell reports
    std::fprintf(stderr, "interrupted: %s\n", e.what());
    return e.exit_code();
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what_without_backtrace());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 1;
}
