// Training checkpoints: one torch.load-readable file per save (core/io writes it atomically)
// holding everything an exact resume needs.
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/config/yaml_io.h"
#include "core/dist/dist.h"
#include "core/engine/loop.h"
#include "core/engine/optim_wrapper.h"
#include "core/engine/param_scheduler.h"
#include "core/engine/rng_state.h"
#include "core/engine/runner_internal.h"
#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/io/pretrained.h"
#include "core/io/state_dict.h"
#include "core/logging/logging.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace detseq {
namespace {

constexpr const char* kVersion = "0.1.0";  // detseq's version, recorded in checkpoint meta

io::Value scheduler_state(ParamScheduler& s) {
  io::Value v = io::Value::dict();
  v.set("type", s.type_name());
  for (const auto& [k, x] : s.state()) v.set(k, x);
  return v;
}

// The file <work_dir>/last_checkpoint names, resolved wherever the command runs from: it holds an
// absolute path; a relative one (older files, or mmengine's) is tried from the current directory;
// a work dir that was moved or copied finds its checkpoint by file name. "" when there is none.
std::string read_last_checkpoint(const std::string& work_dir) {
  const fs::path marker = fs::path(work_dir) / "last_checkpoint";
  if (!fs::exists(marker)) return "";
  std::ifstream in(marker);
  std::string recorded;
  std::getline(in, recorded);
  if (recorded.empty()) return "";
  const fs::path named(recorded);
  if (fs::exists(named)) return recorded;
  const fs::path beside = fs::path(work_dir) / named.filename();
  if (fs::exists(beside)) return beside.string();
  throw Error("resume: " + marker.string() + " names " + recorded + ", which does not exist (nor does " +
              beside.string() + "); pass the checkpoint with --resume PATH");
}

// The checkpoint `resume` names: a path, or auto/true -> <work_dir>/last_checkpoint, else
// load_from (`from_load_from`: a weights-only file there is loaded as weights, not resumed).
struct ResumeSource {
  std::string path;
  bool from_load_from = false;
};
std::optional<ResumeSource> resume_source(Runner& r) {
  const ConfigNode* node = r.config().root.find("resume");
  if (!node || node->is_null()) return std::nullopt;
  std::string value = node->as<std::string>("resume");
  if (value == "false" || value == "False" || value.empty()) return std::nullopt;
  if (value == "auto" || value == "true" || value == "True") {
    if (std::string last = read_last_checkpoint(r.work_dir()); !last.empty()) return ResumeSource{last};
    if (const ConfigNode* lf = r.config().root.find("load_from"); lf && !lf->is_null())
      return ResumeSource{lf->as<std::string>("load_from"), true};
    DETSEQ_INFO("resume: no last_checkpoint in {}; training from scratch", r.work_dir());
    return std::nullopt;
  }
  return ResumeSource{value};
}

bool has_training_state(const io::Value& ckpt) {
  const io::Value* meta = ckpt.is_dict() ? ckpt.find("meta") : nullptr;
  return meta && meta->is_dict() && meta->contains("iter");
}

// The first floating-point weight or buffer holding NaN / Inf, or "".
std::string first_non_finite(Detector& model) {
  for (const auto& p : model.named_parameters())
    if (!torch::isfinite(p.value()).all().item().toBool()) return p.key();
  for (const auto& b : model.named_buffers())
    if (b.value().is_floating_point() && !torch::isfinite(b.value()).all().item().toBool()) return b.key();
  return "";
}

// meta.<key> as an integer >= 0, or an error naming the checkpoint (corrupt or hand-edited).
int64_t meta_count(const io::Value& meta, const std::string& key, const std::string& path) {
  const io::Value* v = meta.find(key);
  if (!v || !v->is_int() || v->as_int() < 0) {
    throw Error("resume: " + path + ": meta." + key + " is " + (v ? v->describe() : std::string("missing")) +
                ", expected an integer >= 0 (a corrupt or hand-edited checkpoint)");
  }
  return v->as_int();
}

// The training state in meta must be self-consistent and fit the config before anything loads.
void validate_resume_meta(const io::Value& ckpt, const std::string& path, const ConfigNode& config) {
  const io::Value* meta = ckpt.is_dict() ? ckpt.find("meta") : nullptr;
  if (!meta || !meta->is_dict() || !meta->contains("iter")) {
    throw Error("resume: " + path + " has no training state (meta.iter); use load_from for weights-only files");
  }
  const int64_t iter = meta_count(*meta, "iter", path), epoch = meta_count(*meta, "epoch", path);
  if (epoch > iter) {
    throw Error("resume: " + path + ": meta.epoch " + std::to_string(epoch) + " > meta.iter " + std::to_string(iter) +
                " (every epoch has at least one iteration; a corrupt checkpoint)");
  }
  if (const io::Value* sampler = meta->find("sampler")) {
    if (!sampler->is_dict()) throw Error("resume: " + path + ": meta.sampler is " + sampler->describe() + ", expected a dict");
    meta_count(*sampler, "epoch", path + " (meta.sampler)");
    if (meta_count(*sampler, "batch", path + " (meta.sampler)") > iter)
      throw Error("resume: " + path + ": meta.sampler.batch is beyond meta.iter (a corrupt checkpoint)");
  }
  const io::Value* cfg = meta->find("cfg");
  if (!cfg) return;
  if (!cfg->is_string()) throw Error("resume: " + path + ": meta.cfg is " + cfg->describe() + ", expected the config text");
  ConfigNode saved;
  try {
    saved = parse_yaml_string(cfg->as_string(), path + " (meta.cfg)");
  } catch (const Error& e) {
    throw Error("resume: " + path + ": meta.cfg is not a valid config: " + e.what());
  }
  // Another model cannot continue this training (load_state_dict would fail less clearly).
  const ConfigNode* saved_type = saved.find_path("model.type");
  const ConfigNode* type = config.find_path("model.type");
  if (saved_type && type && saved_type->is_scalar() && type->is_scalar() &&
      saved_type->scalar_value() != type->scalar_value()) {
    throw Error("resume: " + path + " was trained with model.type " + saved_type->scalar_value() + ", the config has " +
                type->scalar_value() + "; resume with the config it was trained with, or use load_from");
  }
}

}  // namespace

void Runner::mark_last_checkpoint(const std::string& path) {
  // Absolute, so that `--resume auto` finds it from any directory (read_last_checkpoint).
  if (dist::is_main_process())
    io::write_file_atomic((fs::path(work_dir_) / "last_checkpoint").string(), fs::absolute(path).string() + "\n");
}

std::string Runner::save_checkpoint(const std::string& filename) {
  io::Value rng = gather_rng_entry(device_);  // a collective: before the other ranks return
  if (!dist::is_main_process()) return "";
  const std::string path = (fs::path(work_dir_) / filename).string();
  if (const std::string bad = first_non_finite(*model_); !bad.empty()) {
    throw Error(path + ": not saved: model weight '" + bad + "' holds NaN or Inf (training diverged; " +
                "last_checkpoint still names the last good checkpoint) — lower the lr or enable clip_grad");
  }
  io::Value meta = io::Value::dict();
  meta.set("epoch", epoch()).set("iter", iter()).set("seed", static_cast<int64_t>(seed_));
  meta.set("cfg", dump_yaml(config_.root)).set("experiment_name", timestamp_);
  meta.set("detseq_version", kVersion);
  meta.set("time", static_cast<int64_t>(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
  if (const DatasetMeta* dm = dataset_meta()) {
    io::Value classes = io::Value::list();
    for (const auto& c : dm->classes) classes.push_back(c);
    meta.set("dataset_meta", io::Value::dict().set("classes", classes));
  }
  // Sampler position: where the data loader continues (no replay on resume).
  meta.set("sampler", io::Value::dict()
                          .set("epoch", epoch())
                          .set("batch", train_batch())
                          .set("seed_per_epoch", sampler_seed_per_epoch_));

  io::Value ckpt = io::Value::dict();
  ckpt.set("meta", meta);
  ckpt.set("state_dict", io::state_dict_to_value(io::module_state_dict(*model_)));
  if (optim_ && optim_->attached()) ckpt.set("optimizer", optim_->state_dict());
  if (schedulers_built_) {
    io::Value list = io::Value::list();
    for (auto& s : schedulers_) list.push_back(scheduler_state(*s));
    ckpt.set("param_schedulers", list);
  }
  ckpt.set("rng", rng);
  call_hooks([&](Hook& h) { h.before_save_checkpoint(*this, ckpt); });
  io::write_checkpoint(path, ckpt);
  DETSEQ_INFO("saved checkpoint {}", path);
  return path;
}

void Runner::load_checkpoint(const std::string& path, bool resume, bool strict) {
  const io::Value ckpt = io::read_checkpoint(path);
  if (resume) {
    validate_resume_meta(ckpt, path, config_.root);
    RunnerInternal::load_or_resume(*this, ckpt);
    return;
  }
  const auto report = io::load_model_checkpoint(model_->checkpoint_module(), ckpt, path, io::model_checkpoint_mapping(config_.root), strict);
  DETSEQ_INFO("load weights: {}", report.summary());
  loaded_ = true;
}

std::optional<io::Value> RunnerInternal::read_resume_checkpoint(Runner& r) {
  if (r.loaded_) return std::nullopt;
  const auto source = resume_source(r);
  if (!source) return std::nullopt;
  const std::string* path = &source->path;
  io::Value ckpt = io::read_checkpoint(*path);
  if (source->from_load_from && !has_training_state(ckpt)) {
    // A fresh work dir, `--resume auto` and pretrained weights in load_from: start from them.
    const auto report = io::load_model_checkpoint(r.model_->checkpoint_module(), ckpt, *path, io::model_checkpoint_mapping(r.config_.root),
                                                  /*strict=*/false);
    DETSEQ_INFO("resume: no last_checkpoint in {}; load_from {} holds weights only, training starts from them: {}",
                r.work_dir(), *path, report.summary());
    r.loaded_ = true;
    return std::nullopt;
  }
  validate_resume_meta(ckpt, *path, r.config_.root);
  DETSEQ_INFO("resuming from {}", *path);
  const io::Value* meta = ckpt.find("meta");
  if (const io::Value* seed = meta->find("seed"); seed && seed->is_int()) {
    const auto saved = static_cast<uint64_t>(seed->as_int());
    if (saved != r.seed_) {
      // Data order and augmentation derive from the seed: an exact resume needs the saved one.
      DETSEQ_WARN("resume: using the checkpoint's seed {} (this run had {})", saved, r.seed_);
      r.seed_ = saved;
      r.config_.root["env_cfg"]["seed"] = make_scalar(static_cast<int64_t>(saved));
    }
  }
  return ckpt;
}

void RunnerInternal::load_or_resume(Runner& r, const std::optional<io::Value>& resume_ckpt) {
  if (r.loaded_) return;
  r.loaded_ = true;
  if (!resume_ckpt) {
    const ConfigNode* lf = r.config_.root.find("load_from");
    if (lf && !lf->is_null()) {
      const std::string path = lf->as<std::string>("load_from");
      const auto report = io::load_model_checkpoint(r.model_->checkpoint_module(), io::read_checkpoint(path), path,
                                                    io::model_checkpoint_mapping(r.config_.root), /*strict=*/false);
      DETSEQ_INFO("load_from: {}", report.summary());
    }
    return;
  }
  const io::Value& ckpt = *resume_ckpt;
  if (!r.train_loop_) throw ConfigError("resume: restoring a training state needs a train_cfg");
  const auto state = io::extract_state_dict(ckpt, {}, "resume checkpoint");
  io::load_state_dict(*r.model_, state, /*strict=*/true, "resume checkpoint");
  const io::Value& meta = ckpt.at("meta");
  // meta.sampler: where the data continues (mid-epoch after an interrupt); older files lack it.
  int64_t epoch = meta.at("epoch").as_int(), batch = 0;
  if (const io::Value* sampler = meta.find("sampler")) {
    epoch = sampler->at("epoch").as_int();
    batch = sampler->at("batch").as_int();
  }
  r.train_loop_->restore(epoch, meta.at("iter").as_int(), batch);
  if (const io::Value* opt = ckpt.find("optimizer")) r.optim_wrapper().load_state_dict(*opt);
  if (const io::Value* list = ckpt.find("param_schedulers")) {
    auto& schedulers = r.param_schedulers();
    if (list->size() != schedulers.size()) {
      throw Error("resume: the checkpoint has " + std::to_string(list->size()) + " param schedulers, the config " +
                  std::to_string(schedulers.size()));
    }
    for (size_t i = 0; i < schedulers.size(); ++i) {
      std::map<std::string, double> s;
      for (const auto& [k, v] : list->elements()[i].items())
        if (v.is_number()) s[k.as_string()] = v.as_double();
      schedulers[i]->load_state(s);
    }
  }
  if (const io::Value* rng = ckpt.find("rng")) {
    std::string note;
    restore_rng_state(rng_state_for_rank(*rng, dist::rank(), dist::world_size(), &note), r.device_);
    if (!note.empty() && dist::world_size() > 1) {
      DETSEQ_WARN("resume: {}", note);  // some ranks now share a random stream
    } else if (!note.empty()) {
      DETSEQ_INFO("resume: {}", note);
    }
  }
  r.call_hooks([&](Hook& h) { h.after_load_checkpoint(r, ckpt); });
  DETSEQ_INFO("resumed at epoch {}, iteration {} (batch {} of the epoch)", r.epoch(), r.iter(), r.train_batch());
}

}  // namespace detseq
