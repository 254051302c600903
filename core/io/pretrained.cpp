#include "core/io/pretrained.h"

#include <regex>

#include "core/logging/logging.h"
#include "core/util/error.h"

namespace detseq::io {

namespace {

std::vector<RenameRule> read_rename_rules(const ConfigNode& rename, const std::string& rename_path) {
  std::vector<RenameRule> rules;
  if (rename.is_null()) return rules;
  if (!rename.is_sequence()) {
    throw ConfigError(describe_location(rename_path, rename) + ": expected a list of {pattern, replacement}");
  }
  for (size_t i = 0; i < rename.size(); ++i) {
    const std::string rule_path = rename_path + "." + std::to_string(i);
    const auto rule = read_options<RenameRuleOptions>(rename[i], rule_path);
    try {
      std::regex check(rule.pattern);
    } catch (const std::regex_error& e) {
      throw ConfigError(describe_location(rule_path, rename[i]) + ": invalid regex '" + rule.pattern + "': " + e.what());
    }
    rules.push_back({rule.pattern, rule.replacement});
  }
  return rules;
}

}  // namespace

LoadOptions read_pretrained_options(const ConfigNode& init_cfg, const std::string& path, std::string* checkpoint) {
  if (!init_cfg.is_map()) {
    throw ConfigError(describe_location(path, init_cfg) + ": expected a map {type: Pretrained, checkpoint: PATH, ...}");
  }
  const ConfigNode* type = init_cfg.find("type");
  const std::string type_name = type ? type->as<std::string>(path + ".type") : "";
  if (type_name != "Pretrained") {
    throw ConfigError(describe_location(path, init_cfg) + ": init_cfg type '" + type_name +
                      "' is not supported; only 'Pretrained' (load weights from a checkpoint) is" +
                      did_you_mean(type_name, {"Pretrained"}));
  }
  const auto opts = read_options<PretrainedInitOptions>(init_cfg, path, "Pretrained");
  LoadOptions out;
  out.key = opts.key;
  out.prefix = opts.prefix;
  out.strict = opts.strict;
  out.ignore_keys = opts.ignore_keys;
  out.rename = read_rename_rules(opts.rename, path + ".rename");
  const std::string& ckpt = opts.checkpoint;
  if (ckpt.find("://") != std::string::npos) {
    throw ConfigError(describe_location(path + ".checkpoint", init_cfg.at("checkpoint")) + ": '" + ckpt +
                      "' is a URL; detseq does not download weights: download the file and give its path");
  }
  if (checkpoint) *checkpoint = ckpt;
  return out;
}

LoadOptions model_checkpoint_mapping(const ConfigNode& root) {
  if (const ConfigNode* node = root.find("checkpoint_mapping"); node && !node->is_null()) {
    const auto opts = read_options<CheckpointMappingOptions>(*node, "checkpoint_mapping");
    LoadOptions out;
    out.key = opts.key;
    out.prefix = opts.prefix;
    out.ignore_keys = opts.ignore_keys;
    out.rename = read_rename_rules(opts.rename, "checkpoint_mapping.rename");
    return out;
  }
  // A test-time-augmentation wrapper (DetTTAModel) loads into its `module`: that detector's rules apply.
  const ConfigNode* type = root.find_path("model.type");
  const bool wrapped = type && type->is_scalar() && type->as<std::string>("model.type") == "DetTTAModel";
  const std::string init_path = wrapped ? "model.module.init_cfg" : "model.init_cfg";
  if (const ConfigNode* init = root.find_path(init_path); init && init->is_map()) {
    LoadOptions out = read_pretrained_options(*init, init_path, nullptr);
    out.strict = false;
    return out;
  }
  return {};
}

LoadReport load_model_checkpoint(torch::nn::Module& model, const Value& checkpoint, const std::string& path,
                                 const LoadOptions& mapping, bool strict) {
  const Value* meta = checkpoint.is_dict() ? checkpoint.find("meta") : nullptr;
  const bool ours = meta && meta->is_dict() && meta->contains("detseq_version");
  const auto state = extract_state_dict(checkpoint, ours ? LoadOptions{} : mapping, path);
  try {
    return load_state_dict(model, state, strict, path);
  } catch (const Error& e) {
    throw Error(path + (ours ? "" : " (through the config's checkpoint_mapping)") +
                " does not fit this model: " + e.what() +
                ". A checkpoint of another model? `detseq test`/`infer --allow-partial` loads what matches");
  }
}

namespace {
thread_local bool g_skip_loading = false;
}  // namespace

ScopedSkipPretrainedLoading::ScopedSkipPretrainedLoading() : previous_(g_skip_loading) { g_skip_loading = true; }
ScopedSkipPretrainedLoading::~ScopedSkipPretrainedLoading() { g_skip_loading = previous_; }

LoadReport apply_init_cfg(torch::nn::Module& module, const ComponentCfg& init_cfg) {
  const ConfigNode& node = init_cfg.node;
  if (node.is_null()) return {};
  if (node.is_sequence()) {
    LoadReport last;
    for (size_t i = 0; i < node.size(); ++i) last = apply_init_cfg(module, {node[i], init_cfg.path + "." + std::to_string(i)});
    return last;
  }
  return build<WeightInit>(init_cfg)->apply(module, init_cfg);
}

namespace {

// `type: Pretrained`: the weights of a checkpoint, selected and renamed by LoadOptions.
class Pretrained : public WeightInit {
 public:
  explicit Pretrained(const PretrainedInitOptions& o) : o_(o) {}
  LoadReport apply(torch::nn::Module& module, const ComponentCfg& cfg) const override {
    std::string checkpoint;
    const LoadOptions options = read_pretrained_options(cfg.node, cfg.path, &checkpoint);
    if (g_skip_loading) return {};
    LoadReport report;
    try {
      report = load_checkpoint_into(module, checkpoint, options);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      throw Error(describe_location(cfg.path, cfg.node) + ": " + e.what());
    }
    if (report.clean()) DETSEQ_INFO("{}: {}", cfg.path, report.summary());
    return report;
  }

 private:
  PretrainedInitOptions o_;
};

}  // namespace
}  // namespace detseq::io

namespace detseq {
DETSEQ_DEFINE_FAMILY(WeightInit);
DETSEQ_REGISTER_AS(WeightInit, io::Pretrained, io::PretrainedInitOptions, "Pretrained",
                   "load weights from a checkpoint file: key, prefix, rename rules, ignore_keys, strict");
}  // namespace detseq
