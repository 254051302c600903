// Runner construction from the config and the accessors; loops live in train_loop.cpp /
// eval_loop.cpp, checkpoints in runner_checkpoint.cpp, hook assembly in runner_hooks.cpp.
#include "core/engine/runner.h"

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
#include "core/engine/param_scheduler.h"
#include "core/engine/runner_internal.h"
#include "core/engine/work_dir_lock.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace detseq {
namespace {

struct EnvCfg {
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
  ConfigNode& root = config_.root;
  if (!launch.work_dir.empty()) root["work_dir"] = make_scalar(launch.work_dir);
  if (!launch.resume.empty()) root["resume"] = make_scalar(launch.resume);
  if (!launch.load_from.empty()) root["load_from"] = make_scalar(launch.load_from);

  check_runner_config(config_);  // misspelt top-level keys fail here, before any work
  const ConfigNode* env_node = root.find("env_cfg");
  const EnvCfg env = read_options<EnvCfg>(env_node ? *env_node : ConfigNode::null(), "env_cfg");
  const DistCfg dist_cfg = read_options<DistCfg>(env.dist_cfg, "env_cfg.dist_cfg");
  const auto current = spdlog::level::to_string_view(logger()->level());
  const std::string log_level = env.log_level.empty() ? std::string(current.data(), current.size()) : env.log_level;
  setup_logging(log_level);
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

  // Seed: from the config, else random on rank 0 and shared, so every rank agrees.
  const uint64_t local_seed = env.seed ? static_cast<uint64_t>(*env.seed) : (std::random_device{}() & 0x7fffffffULL);
  seed_ = std::stoull(from_rank0(std::to_string(local_seed)));
  root["env_cfg"]["seed"] = make_scalar(static_cast<int64_t>(seed_));
  torch::manual_seed(seed_);

  // Work dir and this run's log dir (one timestamp for all ranks).
  if (const ConfigNode* wd = root.find("work_dir"); wd && !wd->is_null()) {
    work_dir_ = wd->as<std::string>("work_dir");
  } else {
    work_dir_ = (fs::path("work_dirs") / fs::path(config.filename).stem()).string();
    root["work_dir"] = make_scalar(work_dir_);
  }
  timestamp_ = from_rank0(now_stamp());
  log_dir_ = (fs::path(work_dir_) / timestamp_).string();
  if (dist::is_main_process()) {
    fs::create_directories(log_dir_);
    setup_logging(log_level, (fs::path(log_dir_) / (timestamp_ + ".log")).string());
    if (launch.write_config) {
      // The merged config, next to the logs and at the work-dir root (mmengine: <name>.py).
      const std::string text = dump_yaml(root);
      const std::string name = fs::path(config.filename).stem().string();
      std::ofstream((fs::path(log_dir_) / (name + ".yaml")).string()) << text;
      // A training running there owns the work dir's copy (this run may be refused, or only test).
      if (const auto pid = WorkDirLock::holder(work_dir_)) {
        DETSEQ_INFO("work dir {} is in use by a training (pid {}); its {}.yaml is left as is", work_dir_, *pid, name);
      } else {
        std::ofstream((fs::path(work_dir_) / (name + ".yaml")).string()) << text;
      }
    }
  }
  DETSEQ_INFO("work dir {}, seed {}, {} thread(s), device {}, world size {}", work_dir_, seed_,
              torch::get_num_threads(), device_.str(), dist::world_size());

  // train_cfg (optional: a test-only config has none). mmengine allows leaving the type out and
  // saying by_epoch instead; that picks the loop type here, so the loop stays a registry component.
  if (const ConfigNode* tc = root.find("train_cfg"); tc && !tc->is_null()) {
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
      throw ConfigError(describe_location("train_cfg.type", node.at("type")) + ": " +
                        node.at("type").scalar_value() + " is a " + loop->stage() +
                        " loop; expected EpochBasedTrainLoop or IterBasedTrainLoop");
    }
  }

  // val_cfg / test_cfg: mmengine's loop types (the loops take no other options here).
  for (const auto& [key, stage] : {std::pair<std::string, std::string>{"val_cfg", "val"}, {"test_cfg", "test"}}) {
    const ConfigNode* n = root.find(key);
    if (!n || n->is_null()) continue;
    const auto loop = build<Loop>(*n, key);
    if (loop->stage() != stage) {
      throw ConfigError(describe_location(key + ".type", n->at("type")) + ": " + n->at("type").scalar_value() +
                        " is a " + loop->stage() + " loop; expected " + (stage == "val" ? "ValLoop" : "TestLoop"));
    }
  }

  amp_ = launch.amp;
  // The optim wrapper is read now (its errors come before the model is built, and AmpOptimWrapper
  // turns autocast on); it is attached to the model's parameters when training first needs it.
  if (const ConfigNode* ow = root.find("optim_wrapper"); ow && !ow->is_null()) {
    optim_ = build_optim_wrapper(*ow, "optim_wrapper");
    amp_ = amp_ || optim_->amp();
  }
  if (amp_) check_amp_supported();

  // The model: same seed on every rank, then rank 0's weights broadcast anyway.
  model_ = build<Detector>(root.at("model", "model"), "model");
  model_->to(device_);
  GradSync::broadcast_module(*model_);

  RunnerInternal::build_hooks(*this);
}

Runner::~Runner() = default;

Detector& Runner::model() { return *model_; }
std::shared_ptr<Detector> Runner::model_ptr() { return model_; }

DataLoader& Runner::train_dataloader() {
  if (!train_loader_) train_loader_ = RunnerInternal::build_dataloader(*this, "train_dataloader");
  return *train_loader_;
}
DataLoader& Runner::val_dataloader() {
  if (!val_loader_) val_loader_ = RunnerInternal::build_dataloader(*this, "val_dataloader");
  return *val_loader_;
}
DataLoader& Runner::test_dataloader() {
  if (!test_loader_) test_loader_ = RunnerInternal::build_dataloader(*this, "test_dataloader");
  return *test_loader_;
}

bool Runner::has_val() const {
  const ConfigNode* n = config_.root.find("val_dataloader");
  const ConfigNode* c = config_.root.find("val_cfg");
  return n && !n->is_null() && !(c && c->is_null() && config_.root.has("val_cfg"));
}
bool Runner::has_test() const {
  const ConfigNode* n = config_.root.find("test_dataloader");
  return n && !n->is_null();
}

const DatasetMeta* Runner::dataset_meta() {
  for (auto* loader : {train_loader_.get(), val_loader_.get(), test_loader_.get()})
    if (loader) return &loader->dataset().metainfo();
  return nullptr;
}

OptimWrapper& Runner::optim_wrapper() {
  if (!optim_ || !optim_->attached()) {
    RunnerInternal::attach_optim_wrapper(*this);
    if (launch_.amp && !optim_->amp()) DETSEQ_INFO("--amp: bf16 autocast on {}", device_.str());
  }
  return *optim_;
}

std::vector<std::shared_ptr<ParamScheduler>>& Runner::param_schedulers() {
  if (!schedulers_built_) {
    schedulers_built_ = true;
    schedulers_ = RunnerInternal::build_schedulers(*this);
  }
  return schedulers_;
}

void Runner::request_stop(const std::string& reason) {
  if (!stop_requested_) DETSEQ_INFO("stopping training: {}", reason);
  stop_requested_ = true;
  stop_reason_ = reason;
}

int64_t Runner::epoch() const { return train_loop_ ? train_loop_->epoch() : 0; }
int64_t Runner::iter() const { return train_loop_ ? train_loop_->iter() : 0; }
int64_t Runner::train_batch() const { return train_loop_ ? train_loop_->batch() : 0; }
int64_t Runner::max_epochs() const { return train_loop_ ? train_loop_->schedule().max_epochs : 0; }
int64_t Runner::max_iters() const { return train_loop_ ? train_loop_->schedule().max_iters : 0; }
bool Runner::by_epoch() const { return !train_loop_ || train_loop_->schedule().by_epoch; }

}  // namespace detseq
