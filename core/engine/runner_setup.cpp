// Runner construction: the constructor runs one named step after another (each a member below,
// in the order they run); each step reads its part of the config.
#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>

#include "core/config/yaml_io.h"
#include "core/dist/dist.h"
#include "core/dist/init.h"
#include "core/engine/amp.h"
#include "core/engine/config_keys.h"
#include "core/engine/grad_sync.h"
#include "core/engine/loop.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/runner.h"
#include "core/engine/runner_internal.h"
#include "core/engine/work_dir_lock.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace detseq {

// env_cfg (mmengine's keys); log_level is resolved to the level in effect when it is absent.
struct Runner::Env {
  int num_threads = 0;
  std::optional<int64_t> seed;
  bool deterministic = false;
  ConfigNode dist_cfg;
  bool cudnn_benchmark = false;
  ConfigNode mp_cfg;
  std::string device = "auto";
  std::string log_level;
  template <class V>
  void visit(V& v) {
    v("num_threads", num_threads, "LibTorch intra-op threads (torch::set_num_threads); 0 keeps the default");
    v("seed", seed, "global seed (model init, data order, augmentation); random and logged when absent");
    v("deterministic", deterministic, "use deterministic algorithms only");
    v("dist_cfg", dist_cfg, "{backend: gloo|nccl|auto, timeout: seconds}");
    v("cudnn_benchmark", cudnn_benchmark, "cuDNN autotuning (CUDA builds only)");
    v("mp_cfg", mp_cfg, "accepted for mmdetection configs; detseq loads data on threads, not processes");
    v("device", device, "auto (CUDA when available), cpu or cuda");
    v("log_level", log_level, "console/file log level (default: the command line's --log-level)");
  }
};

namespace {

struct DistCfg {
  std::string backend = "auto";
  int timeout = 1800;
  double bucket_cap_mb = 25.0;
  template <class V>
  void visit(V& v) {
    v("backend", backend, "gloo (CPU), nccl (CUDA builds) or auto");
    v("timeout", timeout, "seconds a collective may wait");
    v("bucket_cap_mb", bucket_cap_mb, "gradient all-reduce bucket size (MB), as torch DDP");
  }
};

std::string now_stamp() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, "%Y%m%d_%H%M%S");
  return os.str();
}

// Rank 0's value on every rank (timestamps, random seeds must agree).
std::string from_rank0(const std::string& mine) { return dist::all_gather_bytes(mine).at(0); }

}  // namespace

std::unique_ptr<Runner> Runner::from_config(const Config& config, const RunnerLaunch& launch) {
  return std::unique_ptr<Runner>(new Runner(config, launch));
}

Runner::Runner(const Config& config, const RunnerLaunch& launch) : config_(config), launch_(launch) {
  apply_launch();
  const Env env = read_env();
  setup_environment(env);
  setup_seed(env);
  setup_work_dir(env);
  dump_config();
  DETSEQ_INFO("work dir {}, seed {}, {} thread(s), device {}, world size {}", work_dir_, seed_,
              torch::get_num_threads(), device_.str(), dist::world_size());
  build_loops();
  build_optim_wrapper();
  build_model();
  RunnerInternal::build_hooks(*this);
}

void Runner::apply_launch() {
  ConfigNode& root = config_.root;
  if (!launch_.work_dir.empty()) root["work_dir"] = make_scalar(launch_.work_dir);
  if (!launch_.resume.empty()) root["resume"] = make_scalar(launch_.resume);
  if (!launch_.load_from.empty()) root["load_from"] = make_scalar(launch_.load_from);
  check_runner_config(config_);  // misspelt top-level keys fail here, before any work
}

Runner::Env Runner::read_env() const {
  const ConfigNode* node = config_.root.find("env_cfg");
  Env env = read_options<Env>(node ? *node : ConfigNode::null(), "env_cfg");
  if (env.log_level.empty()) {
    const auto current = spdlog::level::to_string_view(logger()->level());
    env.log_level = std::string(current.data(), current.size());
  }
  return env;
}

void Runner::setup_environment(const Env& env) {
  const DistCfg dist_cfg = read_options<DistCfg>(env.dist_cfg, "env_cfg.dist_cfg");
  setup_logging(env.log_level);
  dist::init_from_env(dist_cfg.backend, dist_cfg.timeout);
  if (dist_cfg.bucket_cap_mb <= 0) throw ConfigError("env_cfg.dist_cfg.bucket_cap_mb: must be > 0");
  bucket_bytes_ = std::max<int64_t>(1, static_cast<int64_t>(dist_cfg.bucket_cap_mb * 1024 * 1024));
  if (env.num_threads > 0) torch::set_num_threads(env.num_threads);
  if (env.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
  if (env.device == "cuda" || (env.device == "auto" && torch::cuda::is_available())) {
    if (!torch::cuda::is_available()) throw ConfigError("env_cfg.device: cuda requested but CUDA is not available");
    device_ = torch::Device(torch::kCUDA, dist::local_rank());
    at::globalContext().setBenchmarkCuDNN(env.cudnn_benchmark);
  } else if (env.device != "cpu" && env.device != "auto") {
    throw ConfigError("env_cfg.device: '" + env.device + "' is not one of auto, cpu, cuda");
  }
}

// From the config, else random on rank 0 and shared, so every rank agrees.
void Runner::setup_seed(const Env& env) {
  const uint64_t local_seed = env.seed ? static_cast<uint64_t>(*env.seed) : (std::random_device{}() & 0x7fffffffULL);
  seed_ = std::stoull(from_rank0(std::to_string(local_seed)));
  config_.root["env_cfg"]["seed"] = make_scalar(static_cast<int64_t>(seed_));
  torch::manual_seed(seed_);
}

// The work dir and this run's log dir (one timestamp for all ranks), logging into it on rank 0.
void Runner::setup_work_dir(const Env& env) {
  ConfigNode& root = config_.root;
  if (const ConfigNode* wd = root.find("work_dir"); wd && !wd->is_null()) {
    work_dir_ = wd->as<std::string>("work_dir");
  } else {
    work_dir_ = (fs::path("work_dirs") / fs::path(config_.filename).stem()).string();
    root["work_dir"] = make_scalar(work_dir_);
  }
  timestamp_ = from_rank0(now_stamp());
  log_dir_ = (fs::path(work_dir_) / timestamp_).string();
  if (!dist::is_main_process()) return;
  fs::create_directories(log_dir_);
  setup_logging(env.log_level, (fs::path(log_dir_) / (timestamp_ + ".log")).string());
}

// The merged config, next to the logs and at the work-dir root (mmengine: <name>.py), rank 0.
void Runner::dump_config() {
  if (!dist::is_main_process() || !launch_.write_config) return;
  const std::string text = dump_yaml(config_.root);
  const std::string name = fs::path(config_.filename).stem().string();
  std::ofstream((fs::path(log_dir_) / (name + ".yaml")).string()) << text;
  // A training running there owns the work dir's copy (this run may be refused, or only test).
  if (const auto pid = WorkDirLock::holder(work_dir_)) {
    DETSEQ_INFO("work dir {} is in use by a training (pid {}); its {}.yaml is left as is", work_dir_, *pid, name);
  } else {
    std::ofstream((fs::path(work_dir_) / (name + ".yaml")).string()) << text;
  }
}

// train_cfg (optional: a test-only config has none) becomes the train loop, which owns the
// counters; val_cfg / test_cfg are only checked (their loops take no other options here).
void Runner::build_loops() {
  const ConfigNode& root = config_.root;
  if (const ConfigNode* tc = root.find("train_cfg"); tc && !tc->is_null()) {
    // mmengine allows leaving the type out and saying by_epoch instead; that picks the loop type
    // here, so the loop stays a registry component.
    ConfigNode node = *tc;
    if (node.is_map() && !node.has("type")) {
      const ConfigNode* by_epoch = node.find("by_epoch");
      const bool epochs = !by_epoch || by_epoch->is_null() || by_epoch->as<bool>("train_cfg.by_epoch");
      node["type"] = make_scalar(epochs ? "EpochBasedTrainLoop" : "IterBasedTrainLoop");
      node.find("type")->set_loc(node.loc());
    }
    const auto loop = build<Loop>(node, "train_cfg");
    train_loop_ = std::dynamic_pointer_cast<TrainLoop>(loop);
    if (!train_loop_) {
      throw ConfigError(describe_location("train_cfg.type", node.at("type")) + ": " + node.at("type").scalar_value() +
                        " is a " + loop->stage() + " loop; expected EpochBasedTrainLoop or IterBasedTrainLoop");
    }
  }
  for (const auto& [key, stage] : {std::pair<std::string, std::string>{"val_cfg", "val"}, {"test_cfg", "test"}}) {
    const ConfigNode* n = root.find(key);
    if (!n || n->is_null()) continue;
    const auto loop = build<Loop>(*n, key);
    if (loop->stage() != stage) {
      throw ConfigError(describe_location(key + ".type", n->at("type")) + ": " + n->at("type").scalar_value() +
                        " is a " + loop->stage() + " loop; expected " + (stage == "val" ? "ValLoop" : "TestLoop"));
    }
  }
}

// Read before the model is built (its errors come first, and AmpOptimWrapper turns autocast on);
// attached to the model's parameters when training first needs it.
void Runner::build_optim_wrapper() {
  amp_ = launch_.amp;
  if (const ConfigNode* ow = config_.root.find("optim_wrapper"); ow && !ow->is_null()) {
    optim_ = detseq::build_optim_wrapper(*ow, "optim_wrapper");
    amp_ = amp_ || optim_->amp();
  }
  if (amp_) check_amp_supported();
}

// Same seed on every rank, then rank 0's weights broadcast anyway.
void Runner::build_model() {
  model_ = build<Detector>(config_.root.at("model", "model"), "model");
  model_->to(device_);
  GradSync::broadcast_module(*model_);
}

}  // namespace detseq
