// detseq train CONFIG [--work-dir DIR] [--resume [PATH|auto]] [--amp] [--auto-scale-lr]
//                    [--launcher none|pytorch|slurm] [--threads N] [--cfg-options ...]
// Multi-process: tools/dist_train.sh NPROC CONFIG [args] (or torchrun-style / SLURM env variables).
#include "core/config/config.h"
#include "core/dist/init.h"
#include "core/engine/auto_scale_lr.h"
#include "core/engine/runner.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string config;
  std::string work_dir;
  std::string resume;
  bool amp = false;
  bool auto_scale_lr = false;
  LaunchFlags launch_flags;
  std::vector<std::string> cfg_options;
};

int run(Options o) {
  apply_launch_flags(o.launch_flags, o.cfg_options);
  Config config = load_config(o.config, o.cfg_options);
  if (o.auto_scale_lr) enable_auto_scale_lr(config);
  RunnerLaunch launch;
  launch.work_dir = o.work_dir;
  launch.resume = o.resume;
  launch.amp = o.amp;
  auto runner = Runner::from_config(config, launch);
  runner->train();
  runner.reset();
  dist::destroy_process_group();
  return 0;
}

DETSEQ_COMMAND("train", "train a detector from a config (epoch/iteration loops, hooks, checkpoints, resume)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("config", o->config, "config file (YAML)")->required();
                 app.add_option("--work-dir", o->work_dir, "where logs and checkpoints go (default work_dirs/<config name>)");
                 auto* resume = app.add_option("--resume", o->resume,
                                               "resume training: a checkpoint path, or 'auto' / no value for the work "
                                               "dir's last_checkpoint");
                 resume->expected(0, 1);
                 app.add_flag("--amp", o->amp, "bf16 autocast (LibTorch CPU autocast)");
                 app.add_flag("--auto-scale-lr", o->auto_scale_lr,
                              "scale the lr by (processes x batch size) / auto_scale_lr.base_batch_size");
                 add_launch_flags(app, o->launch_flags);
                 add_cfg_options(app, o->cfg_options);
                 return [o, resume] {
                   if (resume->count() > 0 && o->resume.empty()) o->resume = "auto";
                   return run(*o);
                 };
               });

}  // namespace
}  // namespace detseq::cli
