#include "core/dist/init.h"

// The c10d headers compile their Gloo / NCCL parts only under these macros; Debian's LibTorch
// ships ProcessGroupGloo (with libgloo-dev headers) but not NCCL.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(USE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/cuda.h>

#include <chrono>
#include <cstdlib>
#include <initializer_list>

#include "core/dist/dist.h"
#include "core/dist/process_group.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace detseq::dist {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

int env_int(const char* name, const std::string& value) {
  try {
    size_t used = 0;
    const int out = std::stoi(value, &used);
    if (used == value.size()) return out;
  } catch (const std::exception&) {
  }
  throw Error(std::string("environment variable ") + name + "='" + value + "' is not an integer");
}

// SLURM_NODELIST "node[01-03],other" -> "node01": the first host serves the TCPStore.
std::string first_slurm_host(const std::string& nodelist) {
  const auto bracket = nodelist.find('[');
  const auto comma = nodelist.find(',');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket))
    return nodelist.substr(0, comma);
  std::string prefix = nodelist.substr(0, bracket);
  std::string range = nodelist.substr(bracket + 1);
  const auto end = range.find_first_of("-,]");
  return prefix + range.substr(0, end);
}

// The variables `what` needs, all set, or one error naming those missing.
void require(std::initializer_list<const char*> names, const std::string& what, const std::string& suggestion) {
  std::string missing;
  for (const char* name : names)
    if (!env(name)) missing += (missing.empty() ? "" : ", ") + std::string(name);
  if (!missing.empty()) throw Error(what + ": environment variable(s) " + missing + " not set; " + suggestion);
}

bool g_initialized = false;
Launcher g_launcher = Launcher::Auto;

}  // namespace

Launcher parse_launcher(const std::string& name) {
  if (name == "none") return Launcher::None;
  if (name == "pytorch") return Launcher::PyTorch;
  if (name == "slurm") return Launcher::Slurm;
  throw Error("--launcher: unknown launcher '" + name + "'" + did_you_mean(name, {"none", "pytorch", "slurm"}) +
              " (expected none, pytorch or slurm)");
}

void set_launcher(Launcher launcher) { g_launcher = launcher; }
Launcher launcher() { return g_launcher; }

std::optional<DistEnv> dist_env_from_environment() { return dist_env_from_environment(g_launcher); }

std::optional<DistEnv> dist_env_from_environment(Launcher launcher) {
  if (launcher == Launcher::None) return std::nullopt;
  DistEnv out;
  const auto world = env("WORLD_SIZE");
  const auto ntasks = env("SLURM_NTASKS");
  if (launcher == Launcher::PyTorch || (launcher == Launcher::Auto && world)) {
    out.source = "torchrun";
    if (launcher == Launcher::PyTorch) {
      require({"RANK", "WORLD_SIZE"}, "--launcher pytorch",
              "start the ranks with tools/dist_train.sh / tools/dist_test.sh or torchrun --no-python, or drop "
              "--launcher for one process");
    }
    out.world_size = env_int("WORLD_SIZE", *env("WORLD_SIZE"));
    out.rank = env_int("RANK", env("RANK").value_or("0"));
    out.local_rank = env_int("LOCAL_RANK", env("LOCAL_RANK").value_or("0"));
  } else if (launcher == Launcher::Slurm || (launcher == Launcher::Auto && ntasks)) {
    // As mmengine's _init_dist_slurm: rank = SLURM_PROCID, world = SLURM_NTASKS, the first node of
    // SLURM_NODELIST serves the store unless MASTER_ADDR is set, port MASTER_PORT or 29500.
    out.source = "slurm";
    if (launcher == Launcher::Slurm) {
      require({"SLURM_PROCID", "SLURM_NTASKS", "SLURM_NODELIST"}, "--launcher slurm",
              "run detseq under srun (or sbatch with srun), or use --launcher none / pytorch");
    }
    out.world_size = env_int("SLURM_NTASKS", *env("SLURM_NTASKS"));
    out.rank = env_int("SLURM_PROCID", env("SLURM_PROCID").value_or("0"));
    // mmengine takes SLURM_PROCID % (GPUs on the node); SLURM_LOCALID is the same on a node whose
    // tasks each own one GPU, and also right on CPU-only nodes.
    if (auto local = env("SLURM_LOCALID")) {
      out.local_rank = env_int("SLURM_LOCALID", *local);
    } else {
      const int gpus = static_cast<int>(torch::cuda::device_count());
      out.local_rank = gpus > 0 ? out.rank % gpus : 0;
    }
    if (auto nodes = env("SLURM_NODELIST")) out.master_addr = first_slurm_host(*nodes);
  } else {
    return std::nullopt;
  }
  if (auto addr = env("MASTER_ADDR")) out.master_addr = *addr;
  if (auto port = env("MASTER_PORT")) out.master_port = env_int("MASTER_PORT", *port);
  if (out.world_size < 1 || out.rank < 0 || out.rank >= out.world_size) {
    throw Error("distributed environment: RANK=" + std::to_string(out.rank) + " must be in [0, WORLD_SIZE=" +
                std::to_string(out.world_size) + ")");
  }
  if (out.master_port <= 0 || out.master_port > 65535) {
    throw Error("distributed environment: MASTER_PORT=" + std::to_string(out.master_port) + " is not a valid port");
  }
  return out;
}

bool init_process_group(const DistEnv& e, const std::string& backend_in, int timeout_seconds) {
  if (g_initialized) return is_distributed();
  g_initialized = true;
  if (e.world_size <= 1) return false;
  std::string backend = backend_in;
  if (backend == "auto" || backend.empty()) backend = torch::cuda::is_available() ? "nccl" : "gloo";
  const auto timeout = std::chrono::milliseconds(1000LL * timeout_seconds);

  c10d::TCPStoreOptions store_opts;
  store_opts.port = static_cast<uint16_t>(e.master_port);
  store_opts.isServer = e.rank == 0;
  store_opts.numWorkers = e.world_size;
  store_opts.waitWorkers = true;
  store_opts.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(e.master_addr, store_opts);
  } catch (const std::exception& ex) {
    throw Error("distributed rendezvous at " + e.master_addr + ":" + std::to_string(e.master_port) +
                " failed (rank " + std::to_string(e.rank) + "): " + ex.what() +
                " — check MASTER_ADDR/MASTER_PORT and that every rank was started");
  }
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("detseq/" + backend, store);

  c10::intrusive_ptr<c10d::ProcessGroup> group;
  if (backend == "gloo") {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // Loopback when every rank is local (MASTER_ADDR is loopback); else the host's interface.
    const bool local = e.master_addr == "127.0.0.1" || e.master_addr == "localhost";
    options->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                     : c10d::ProcessGroupGloo::createDefaultDevice());
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, e.rank, e.world_size, options);
  } else if (backend == "nccl") {
#if defined(USE_C10D_NCCL)
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    group = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, e.rank, e.world_size, options);
#else
    throw Error("env_cfg.dist_cfg.backend: 'nccl' needs a LibTorch built with CUDA/NCCL; this build has "
                "only 'gloo'");
#endif
  } else {
    throw Error("env_cfg.dist_cfg.backend: unknown backend '" + backend + "' (expected gloo, nccl or auto)");
  }
  set_process_group(group, e.local_rank);
  set_log_rank(e.rank);
  DETSEQ_INFO("distributed: rank {}/{} (local {}) via {} at {}:{}, backend {}", e.rank, e.world_size, e.local_rank,
              e.source, e.master_addr, e.master_port, backend);
  return true;
}

bool init_from_env(const std::string& backend, int timeout_seconds) {
  if (g_initialized) return is_distributed();
  auto e = dist_env_from_environment();
  if (!e) {
    if (g_launcher == Launcher::None && (env("WORLD_SIZE") || env("SLURM_NTASKS")))
      DETSEQ_INFO("--launcher none: one process; the WORLD_SIZE / SLURM_NTASKS of the environment are not used");
    g_initialized = true;
    return false;
  }
  return init_process_group(*e, backend, timeout_seconds);
}

void destroy_process_group() {
  clear_process_group();
  g_initialized = false;
}

}  // namespace detseq::dist
