// Every `type:` that a shipped config names resolves through the registry: one idiom everywhere.
// Walks each YAML under configs/ (merged with its _base_ files), finds every `type` key at any
// depth and looks it up in the family its place implies (`model.backbone` -> backbone,
// `...norm_cfg` -> norm_layer, `train_cfg` -> loop, ...) or, where the place says nothing, in any
// family. Links every library, so every registration has run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "core/config/config.h"
#include "core/registry/registry.h"

namespace detseq {
namespace {

namespace fs = std::filesystem;

// Types configs name that are not registry components yet (a change that adds a config ahead of its
// component lists it here). Each must still appear in some config, so the list cannot go stale
// silently, and is printed by the test. Empty: every type is a component.
const std::set<std::string> kExpectedToBeAdded = {};

// The family implied by the key holding a `type` map (the last named, non-index key of its path).
std::string family_of(const std::vector<std::string>& keys) {
  static const std::map<std::string, std::string> by_key = {
      {"model", "detector"},
      {"backbone", "backbone"},
      {"neck", "neck"},
      {"head", "head"},
      {"dataset", "dataset"},
      {"pipeline", "transform"},
      {"transforms", "transform"},
      {"sampler", "sampler"},
      {"batch_sampler", "batch_sampler"},
      {"matcher", "matcher"},
      {"positional_encoding", "positional_encoding"},
      {"norm_cfg", "norm_layer"},
      {"activation", "activation"},
      {"init_cfg", "weight_init"},
      {"train_cfg", "loop"},
      {"val_cfg", "loop"},
      {"test_cfg", "loop"},
      {"param_scheduler", "param_scheduler"},
      {"custom_hooks", "hook"},
      {"default_hooks", "hook"},
      {"val_evaluator", "metric"},
      {"test_evaluator", "metric"},
      {"tokenizer", "tokenizer"},
      {"sequence", "sequence_builder"},
      {"decoding", "decoding"},
      {"optim_wrapper", "optim_wrapper"},
      {"optimizer", "optimizer"},
      {"loss_cls", "loss"},
      {"loss_bbox", "loss"},
      {"loss_iou", "loss"},
      {"visualizer", "visualizer"},
      {"vis_backends", "vis_backend"},
      {"nms", "box_merge"},
  };
  // default_hooks.<name> is a hook whatever its name: look one level further up.
  for (size_t i = keys.size(); i-- > 0;) {
    const std::string& k = keys[i];
    if (!k.empty() && std::isdigit(static_cast<unsigned char>(k[0]))) continue;
    if (i > 0 && keys[i - 1] == "default_hooks") return "hook";
    const auto it = by_key.find(k);
    return it == by_key.end() ? std::string() : it->second;
  }
  return "";
}

struct TypeUse {
  std::string type, family, path, where;
};

void collect(const ConfigNode& node, std::vector<std::string>& keys, std::vector<TypeUse>& out) {
  auto dotted = [&] {
    std::string p;
    for (const auto& k : keys) p += (p.empty() ? "" : ".") + k;
    return p;
  };
  if (node.is_map()) {
    if (const ConfigNode* type = node.find("type"); type && type->is_scalar()) {
      out.push_back({type->scalar_value(), family_of(keys), dotted(), type->loc().str()});
    }
    for (const auto& [k, v] : node.items()) {
      keys.push_back(k);
      collect(v, keys, out);
      keys.pop_back();
    }
  } else if (node.is_sequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      keys.push_back(std::to_string(i));
      collect(node[i], keys, out);
      keys.pop_back();
    }
  }
}

std::vector<TypeUse> all_type_uses() {
  std::vector<TypeUse> uses;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(DETSEQ_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    // `type: ${dataset_type}` names its type through a reference: resolve them as `train` does.
    // A _base_ fragment may refer to keys only its users define; it is checked through them.
    ConfigNode root = load_with_bases(entry.path().string());
    try {
      resolve_references(root);
    } catch (const Error&) {
      if (entry.path().string().find("/_base_/") != std::string::npos) continue;
      throw;
    }
    std::vector<std::string> keys;
    collect(root, keys, uses);
  }
  return uses;
}

TEST(ConfigTypes, EveryTypeInTheShippedConfigsIsARegistryComponent) {
  const auto uses = all_type_uses();
  ASSERT_GT(uses.size(), 50u) << "configs/ not found or empty?";
  auto& store = RegistryStore::instance();
  std::set<std::string> missing, expected_seen;
  for (const auto& u : uses) {
    if (kExpectedToBeAdded.count(u.type)) {
      expected_seen.insert(u.type);
      continue;
    }
    const bool found = u.family.empty() ? !store.find_type(u.type).empty() : store.find(u.family, u.type) != nullptr;
    if (!found) {
      missing.insert(u.type + " at " + u.path + " (" + u.where + "), family " +
                     (u.family.empty() ? std::string("any") : u.family));
    }
  }
  for (const auto& m : missing) ADD_FAILURE() << "not a registry component: " << m;
  std::string pending;
  for (const auto& t : expected_seen) pending += (pending.empty() ? "" : ", ") + t;
  std::printf("[ config types ] %zu uses checked; expected to be registered later: %s\n", uses.size(),
              pending.c_str());
  // A type that no config names any more must leave the list.
  for (const auto& t : kExpectedToBeAdded) {
    EXPECT_TRUE(expected_seen.count(t)) << t << " is no longer used by any config: remove it from kExpectedToBeAdded";
    EXPECT_TRUE(store.find_type(t).empty()) << t << " is registered now: remove it from kExpectedToBeAdded";
  }
}

TEST(ConfigTypes, FamiliesOfThisChangeAreListed) {
  auto& store = RegistryStore::instance();
  for (const auto& [family, type] : std::vector<std::pair<std::string, std::string>>{
           {"matcher", "HungarianMatcher"},
           {"positional_encoding", "SinePositionalEncoding"},
           {"positional_encoding", "LearnedPositionalEncoding"},
           {"norm_layer", "FrozenBN"},
           {"norm_layer", "BN"},
           {"norm_layer", "GN"},
           {"norm_layer", "LN"},
           {"activation", "ReLU"},
           {"activation", "GELU"},
           {"sampler", "DefaultSampler"},
           {"sampler", "InfiniteSampler"},
           {"batch_sampler", "BatchSampler"},
           {"batch_sampler", "AspectRatioBatchSampler"},
           {"loop", "EpochBasedTrainLoop"},
           {"loop", "IterBasedTrainLoop"},
           {"loop", "ValLoop"},
           {"loop", "TestLoop"},
           {"weight_init", "Pretrained"},
           {"optim_wrapper", "OptimWrapper"},
           {"optim_wrapper", "AmpOptimWrapper"},
           {"optimizer", "AdamW"},
           {"optimizer", "Adam"},
           {"optimizer", "SGD"},
           {"loss", "CrossEntropyLoss"},
           {"loss", "L1Loss"},
           {"loss", "GIoULoss"},
       }) {
    EXPECT_NE(store.find(family, type), nullptr) << family << " " << type;
  }
}

}  // namespace
}  // namespace detseq
