#include "core/io/state_dict.h"

#include <regex>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/io/checkpoint.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace detseq::io {
namespace {

constexpr size_t kListedNames = 5;  // names shown per category in messages

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_str(const std::vector<int64_t>& shape) { return c10::str(c10::IntArrayRef(shape)); }

template <class T, class F>
std::string listing(const std::string& what, const std::vector<T>& xs, F name) {
  if (xs.empty()) return "";
  std::vector<std::string> shown;
  for (size_t i = 0; i < xs.size() && i < kListedNames; ++i) shown.push_back(name(xs[i]));
  std::string out = "; " + std::to_string(xs.size()) + " " + what + ": " + join(shown, ", ");
  if (xs.size() > kListedNames) out += ", ... (+" + std::to_string(xs.size() - kListedNames) + " more)";
  return out;
}

void flatten_into(const Value& dict, const std::string& prefix, StateDict& out) {
  for (const auto& [k, v] : dict.items()) {
    std::string key = k.is_string() ? k.as_string() : k.is_int() ? std::to_string(k.as_int()) : k.describe();
    key = prefix + key;
    if (v.is_tensor()) {
      if (out.contains(key)) throw Error("duplicate state-dict key '" + key + "' after flattening nested dicts");
      out.insert(key, v.as_tensor());
    } else if (v.is_dict()) {
      flatten_into(v, key + ".", out);
    }  // other leaves (ints, strings, Python objects) are not weights
  }
}

}  // namespace

std::string LoadReport::summary() const {
  std::string out = "loaded " + std::to_string(loaded) + " tensors from " + source;
  out += listing("missing", missing, [](const std::string& s) { return s; });
  out += listing("unexpected", unexpected, [](const std::string& s) { return s; });
  out += listing("shape mismatches", mismatched, [](const ShapeMismatch& m) {
    return m.name + " (checkpoint " + shape_str(m.checkpoint_shape) + " vs model " + shape_str(m.model_shape) + ")";
  });
  return out;
}

StateDict flatten_tensors(const Value& dict) {
  StateDict out;
  flatten_into(dict, "", out);
  return out;
}

StateDict value_to_state_dict(const Value& dict) { return flatten_tensors(dict); }

StateDict rename_keys(const StateDict& state, const std::string& prefix, const std::vector<RenameRule>& rules) {
  std::vector<std::regex> compiled;
  for (const RenameRule& r : rules) {
    try {
      compiled.emplace_back(r.pattern);
    } catch (const std::regex_error& e) {
      throw Error("invalid rename pattern '" + r.pattern + "': " + e.what());
    }
  }
  StateDict out;
  std::unordered_map<std::string, std::string> origin;  // new name -> original, for collisions
  for (const auto& item : state) {
    if (!starts_with(item.key(), prefix)) continue;
    std::string name = item.key().substr(prefix.size());
    for (size_t i = 0; i < rules.size(); ++i) name = std::regex_replace(name, compiled[i], rules[i].replacement);
    if (auto it = origin.find(name); it != origin.end()) {
      throw Error("rename rules map both '" + it->second + "' and '" + item.key() + "' to '" + name + "'");
    }
    origin.emplace(name, item.key());
    out.insert(name, item.value());
  }
  return out;
}

StateDict extract_state_dict(const Value& checkpoint, const LoadOptions& options, const std::string& source) {
  if (!checkpoint.is_dict()) throw Error(source + ": expected a dict of weights, got " + checkpoint.describe());
  const Value* weights = &checkpoint;
  if (!options.key.empty()) {
    weights = checkpoint.find(options.key);
    const std::vector<std::string> keys = checkpoint.keys();
    if (!weights) {
      throw Error(source + ": no key '" + options.key + "' in the checkpoint (top-level keys: " + join(keys, ", ") + ")" +
                  did_you_mean(options.key, keys));
    }
    if (!weights->is_dict()) throw Error(source + ": checkpoint['" + options.key + "'] is a " + weights->describe() + ", not a dict");
  } else {
    for (const char* k : {"state_dict", "model", "module"}) {
      const Value* v = checkpoint.find(k);
      if (v && v->is_dict()) {
        weights = v;
        break;
      }
    }
  }
  StateDict flat;
  try {
    flat = flatten_tensors(*weights);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  // DataParallel / DDP wrap every name in "module.".
  bool all_module = !flat.is_empty();
  for (const auto& item : flat) all_module = all_module && starts_with(item.key(), "module.");
  if (all_module) flat = rename_keys(flat, "module.", {});
  if (!options.ignore_keys.empty()) {
    std::vector<std::regex> ignore;
    for (const auto& pattern : options.ignore_keys) {
      try {
        ignore.emplace_back(pattern);
      } catch (const std::regex_error& e) {
        throw Error(source + ": invalid ignore_keys pattern '" + pattern + "': " + e.what());
      }
    }
    StateDict kept;
    for (const auto& item : flat) {
      bool drop = false;
      for (const auto& re : ignore) drop = drop || std::regex_search(item.key(), re);
      if (!drop) kept.insert(item.key(), item.value());
    }
    flat = std::move(kept);
  }
  try {
    StateDict out = rename_keys(flat, options.prefix, options.rename);
    if (out.is_empty()) {
      std::vector<std::string> first = flat.keys();
      first.resize(std::min(first.size(), kListedNames));
      throw Error("no tensors" + (options.prefix.empty() ? std::string() : " under prefix '" + options.prefix + "'") +
                  " (first keys: " + join(first, ", ") + ")");
    }
    return out;
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
}

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state, bool strict, const std::string& source) {
  LoadReport report;
  report.source = source;
  std::unordered_map<std::string, torch::Tensor> targets;
  std::vector<std::string> order;  // model order, for stable "missing" listings
  for (const auto& p : module.named_parameters(true)) {
    targets.emplace(p.key(), p.value());
    order.push_back(p.key());
  }
  for (const auto& b : module.named_buffers(true)) {
    if (!b.value().defined()) continue;
    targets.emplace(b.key(), b.value());
    order.push_back(b.key());
  }
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (destination, source)
  std::unordered_set<std::string> seen;
  for (const auto& item : state) {
    auto it = targets.find(item.key());
    if (it == targets.end()) {
      if (!ends_with(item.key(), "num_batches_tracked")) report.unexpected.push_back(item.key());
      continue;
    }
    seen.insert(item.key());
    if (it->second.sizes() != item.value().sizes()) {
      report.mismatched.push_back({item.key(), item.value().sizes().vec(), it->second.sizes().vec()});
      continue;
    }
    copies.emplace_back(it->second, item.value());
  }
  for (const std::string& name : order) {
    if (!seen.count(name)) report.missing.push_back(name);
  }
  if (strict && !report.clean()) {
    report.loaded = 0;
    throw Error("strict loading failed, nothing loaded: " + report.summary() +
                " (set strict: false to load what matches, or add rename/prefix rules)");
  }
  torch::NoGradGuard no_grad;
  for (auto& [dst, src] : copies) dst.copy_(src);
  report.loaded = copies.size();
  if (!report.clean()) DETSEQ_WARN("{}", report.summary());
  return report;
}

LoadReport load_checkpoint_into(torch::nn::Module& module, const std::string& path, const LoadOptions& options) {
  const StateDict state = extract_state_dict(read_checkpoint(path), options, path);
  return load_state_dict(module, state, options.strict, path);
}

StateDict module_state_dict(const torch::nn::Module& module) {
  StateDict out;
  for (const auto& p : module.named_parameters(true)) out.insert(p.key(), p.value().detach());
  for (const auto& b : module.named_buffers(true)) {
    if (b.value().defined()) out.insert(b.key(), b.value().detach());
  }
  return out;
}

Value state_dict_to_value(const StateDict& state) {
  Value d = Value::dict();
  for (const auto& item : state) d.items().emplace_back(Value(item.key()), Value(item.value()));
  return d;
}

}  // namespace detseq::io
