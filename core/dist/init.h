// Multi-process setup from the environment, torchrun-compatible:
//   RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT   (torchrun, tools/dist_train.sh)
//   SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (+ MASTER_ADDR/PORT, or the first SLURM node)
// `--launcher` (mmengine's flag) picks which set is read; without it, whichever is present.
// Rendezvous through a c10d TCPStore served by rank 0; ProcessGroupGloo on CPU, ProcessGroupNCCL
// when LibTorch was built with CUDA support and the backend asks for it.
#pragma once
#include <optional>
#include <string>

namespace detseq::dist {

struct DistEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source;  // "torchrun" or "slurm", for the log line
};

// mmengine's `--launcher`: none (one process, whatever the environment says), pytorch (the
// torchrun variables, required), slurm (the SLURM_* variables, required). Auto: no flag given,
// torchrun variables if set, else SLURM's, else one process.
enum class Launcher { Auto, None, PyTorch, Slurm };
// "none" / "pytorch" / "slurm"; anything else is detseq::Error with a suggestion.
Launcher parse_launcher(const std::string& name);
// The launcher init_from_env() uses (the CLI sets it before building the Runner). Default Auto.
void set_launcher(Launcher launcher);
Launcher launcher();

// Reads the variables above for `launcher` (default: the one set with set_launcher); nullopt when
// it finds none (a plain single-process run; `none` always). Missing variables that the launcher
// requires, and inconsistent values (RANK >= WORLD_SIZE, a non-numeric port, ...) are detseq::Error.
std::optional<DistEnv> dist_env_from_environment();
std::optional<DistEnv> dist_env_from_environment(Launcher launcher);

// Installs the process group behind core/dist/dist.h. `backend`: "gloo", "nccl" or "auto"
// (nccl when CUDA is usable, else gloo). Idempotent: a second call is a no-op.
// WORLD_SIZE == 1 installs nothing. Returns true when a group of size > 1 is installed.
bool init_from_env(const std::string& backend = "auto", int timeout_seconds = 300);
bool init_process_group(const DistEnv& env, const std::string& backend = "auto", int timeout_seconds = 300);

// Drops the group (the TCPStore closes with it).
void destroy_process_group();

}  // namespace detseq::dist
