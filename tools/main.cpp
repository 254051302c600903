// The `detseq` binary: subcommands from tools/commands/, one-line errors, non-zero exit codes.
#include <c10/util/Exception.h>
#include <torch/utils.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <cstdio>
#include <thread>

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
  app.add_option("--cfg-options", into, "override config keys: key.path=value (YAML), repeatable")
      ->expected(1, -1)
      ->allow_extra_args(true);
}

}  // namespace detseq::cli

int main(int argc, char** argv) {
  using namespace detseq;
  // LibTorch defaults to one thread here; use every core unless the config says otherwise.
  torch::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

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
