// Assembling the hook list: mmengine's default hooks (overridable / removable by name through
// `default_hooks`), then `custom_hooks`, stably sorted by priority.
#include <algorithm>
#include <iomanip>
#include <sstream>

#include "core/engine/configured_hooks.h"
#include "core/engine/runner_internal.h"
#include "core/util/error.h"

namespace detseq {
namespace {

// mmengine's default_hooks (runtime_info is built into the loops here), plus the NaN/Inf loss
// check: a diverged run must stop, not train on and save NaN checkpoints.
const std::vector<std::pair<std::string, std::string>>& default_hook_types() {
  static const std::vector<std::pair<std::string, std::string>> d{
      {"timer", "IterTimerHook"},
      {"logger", "LoggerHook"},
      {"param_scheduler", "ParamSchedulerHook"},
      {"checkpoint", "CheckpointHook"},
      {"sampler_seed", "DistSamplerSeedHook"},
      {"check_invalid_loss", "CheckInvalidLossHook"},
  };
  return d;
}

std::shared_ptr<Hook> build_hook(const ConfigNode& node, const std::string& path) {
  if (!node.is_map() || !node.has("type")) {
    throw ConfigError(describe_location(path, node) + ": expected a hook map with a 'type'");
  }
  ConfigNode options = node;
  std::optional<int> priority;
  if (const ConfigNode* p = node.find("priority")) priority = parse_priority(*p, path + ".priority");
  options.erase("priority");  // the runner's key, not the hook's option
  auto hook = build<Hook>(options, path);
  hook->set_type_name(node.at("type").as<std::string>(path + ".type"));
  if (priority) hook->set_priority(*priority);
  return hook;
}

}  // namespace

std::vector<std::shared_ptr<Hook>> build_configured_hooks(const ConfigNode& root) {
  std::vector<std::shared_ptr<Hook>> hooks;
  const ConfigNode* defaults = root.find("default_hooks");
  if (defaults && !defaults->is_null() && !defaults->is_map()) {
    throw ConfigError(describe_location("default_hooks", *defaults) + ": expected a map {name: {type: ...}}");
  }
  std::vector<std::pair<std::string, ConfigNode>> chosen;
  for (const auto& [name, type] : default_hook_types()) {
    ConfigNode n = ConfigNode::map();
    n["type"] = make_scalar(type);
    chosen.emplace_back(name, n);
  }
  if (defaults && defaults->is_map()) {
    for (const auto& [name, node] : defaults->items()) {
      auto it = std::find_if(chosen.begin(), chosen.end(), [&](const auto& c) { return c.first == name; });
      if (it == chosen.end()) chosen.emplace_back(name, node);
      else it->second = node;  // a null value removes the default hook
    }
  }
  for (const auto& [name, node] : chosen) {
    if (node.is_null()) continue;
    hooks.push_back(build_hook(node, "default_hooks." + name));
  }
  if (const ConfigNode* custom = root.find("custom_hooks"); custom && !custom->is_null()) {
    if (!custom->is_sequence()) {
      throw ConfigError(describe_location("custom_hooks", *custom) + ": expected a list of hook maps");
    }
    for (size_t i = 0; i < custom->size(); ++i)
      hooks.push_back(build_hook((*custom)[i], "custom_hooks." + std::to_string(i)));
  }
  std::stable_sort(hooks.begin(), hooks.end(),
                   [](const auto& a, const auto& b) { return a->priority() < b->priority(); });
  return hooks;
}

void RunnerInternal::build_hooks(Runner& r) { r.hooks_ = build_configured_hooks(r.config_.root); }

void Runner::register_hook(std::shared_ptr<Hook> hook, std::optional<int> priority) {
  if (priority) hook->set_priority(*priority);
  if (hook->type_name().empty()) hook->set_type_name("(code)");
  // After every hook of lower or equal priority, as mmengine's register_hook.
  auto pos = std::upper_bound(hooks_.begin(), hooks_.end(), hook,
                              [](const auto& a, const auto& b) { return a->priority() < b->priority(); });
  hooks_.insert(pos, std::move(hook));
}

std::string Runner::hook_table() const {
  std::ostringstream os;
  os << "  priority        hook\n";
  for (const auto& h : hooks_) {
    os << "  " << std::left << std::setw(15) << (priority_name(h->priority()) + " (" + std::to_string(h->priority()) + ")")
       << " " << h->type_name() << "\n";
  }
  return os.str();
}

}  // namespace detseq
