// Subcommands of the `detseq` binary register themselves, one file each under tools/commands/:
//
//   DETSEQ_COMMAND("print-config", "print the merged config", [](CLI::App& app) {
//     auto opts = std::make_shared<Opts>();
//     app.add_option("config", opts->config)->required();
//     return [opts] { return run(*opts); };   // exit code
//   });
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace detseq::cli {

using CommandRun = std::function<int()>;
using CommandSetup = std::function<CommandRun(CLI::App&)>;

struct CommandEntry {
  std::string group;  // "" for a top-level command; "benchmark" for `detseq benchmark <name>`
  std::string name;
  std::string help;
  CommandSetup setup;
};

std::vector<CommandEntry>& commands();

struct CommandRegistrar {
  CommandRegistrar(const char* group, const char* name, const char* help, CommandSetup setup) {
    commands().push_back({group, name, help, std::move(setup)});
  }
};

// Adds the shared `--cfg-options a.b=c ...` flag.
void add_cfg_options(CLI::App& app, std::vector<std::string>& into);

// The flags `train` and `test` share with mmdetection's tools/train.py and tools/test.py.
struct LaunchFlags {
  std::string launcher;  // "" (not given: read whichever environment is set), none, pytorch, slurm
  int threads = 0;       // 0: not given
};
void add_launch_flags(CLI::App& app, LaunchFlags& into);
// Before the Runner is built: selects the launcher, and turns --threads into a last
// `env_cfg.num_threads=N` override so that it beats the config.
void apply_launch_flags(const LaunchFlags& flags, std::vector<std::string>& cfg_options);

// `--threads N` for every command that builds a model (validated in [1, kMaxThreads]); applied as
// a last `env_cfg.num_threads=N` override so that the flag beats the config.
void add_threads_flag(CLI::App& app, int& into);
void apply_threads_flag(int threads, std::vector<std::string>& cfg_options);

// LibTorch intra-op threads before any config is read: OMP_NUM_THREADS when set (the ranks of
// tools/dist_train.sh share the cores that way), else every core. A malformed value is an error.
int default_thread_count();
constexpr int kMaxThreads = 1024;  // a bound on --threads / OMP_NUM_THREADS (each is an OS thread)

}  // namespace detseq::cli

#define DETSEQ_COMMAND_CONCAT_INNER(a, b) a##b
#define DETSEQ_COMMAND_CONCAT(a, b) DETSEQ_COMMAND_CONCAT_INNER(a, b)
// Variadic so that a lambda with commas can be passed without extra parentheses.
#define DETSEQ_COMMAND(name, help, ...)                                                          \
  static ::detseq::cli::CommandRegistrar DETSEQ_COMMAND_CONCAT(detseq_command_, __LINE__)("", name, help, \
                                                                                          __VA_ARGS__)
// A command inside a group: DETSEQ_SUBCOMMAND("benchmark", "data", "help", setup) is
// `detseq benchmark data ...`. Each group's members may live in different files.
#define DETSEQ_SUBCOMMAND(group, name, help, ...)                                                   \
  static ::detseq::cli::CommandRegistrar DETSEQ_COMMAND_CONCAT(detseq_command_, __LINE__)(group, name, help, \
                                                                                          __VA_ARGS__)
