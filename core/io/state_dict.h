// State dicts: name -> tensor maps taken out of checkpoints and copied into torch::nn::Modules.
//
//   io::LoadOptions opt;
//   opt.prefix = "backbone.";                                     // mmdet's init_cfg.prefix
//   opt.rename = {{R"(^backbone\.0\.body\.)", "backbone."}};       // std::regex, applied in order
//   io::LoadReport r = io::load_checkpoint_into(model, "detr.pth", opt);   // r.summary()
//
// Key pipeline (the same for load_from and init_cfg):
//   1. pick the dict: `key` if set, else the first of "state_dict", "model", "module" that is a
//      dict, else the top level;
//   2. flatten nested dicts with '.', keep tensors, skip everything else (ints, opaque objects);
//   3. if every key starts with "module." (DataParallel/DDP saves) strip it;
//   4. `prefix`: keep only keys starting with it and strip it;
//   5. `rename` rules, in order, each std::regex_replace'd over every key.
// Loading copies into named_parameters() + named_buffers() (dtype converted). Checkpoint keys
// ending in "num_batches_tracked" that the model lacks are dropped silently (frozen BN has none,
// as in DETR). Missing, unexpected and shape-mismatched keys are reported; with `strict` any of
// them is a detseq::Error listing the first few of each and their counts, and nothing is copied.
// Non-strict loads what matches and logs one warning summary.
#pragma once
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/ordered_dict.h>
#include <torch/types.h>

#include "core/io/value.h"

namespace detseq::io {

using StateDict = torch::OrderedDict<std::string, torch::Tensor>;

struct RenameRule {
  std::string pattern;      // ECMAScript std::regex, e.g. "^backbone\\.0\\.body\\."
  std::string replacement;  // std::regex_replace format: "$1" refers to groups
};

struct LoadOptions {
  std::string key;                 // sub-dict of the checkpoint; "" = auto (see above)
  std::string prefix;              // keep only keys under this prefix and strip it ("" = all)
  std::vector<RenameRule> rename;  // applied in order after the prefix
  // Checkpoint keys (as stored, before prefix/rename) matching any of these regexes are dropped,
  // e.g. '^fc\.' for the classifier of an ImageNet backbone.
  std::vector<std::string> ignore_keys;
  bool strict = false;             // any missing/unexpected/mismatched key is an error
};

struct ShapeMismatch {
  std::string name;
  std::vector<int64_t> checkpoint_shape;
  std::vector<int64_t> model_shape;
};

struct LoadReport {
  std::string source;                      // checkpoint path (for messages)
  size_t loaded = 0;                       // tensors copied
  std::vector<std::string> missing;        // in the model, not in the checkpoint
  std::vector<std::string> unexpected;     // in the checkpoint, not in the model
  std::vector<ShapeMismatch> mismatched;   // in both, different shapes (not copied)
  bool clean() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // "loaded 320 tensors from x.pth; 2 missing: a, b; 1 unexpected: c; 1 shape mismatch: d
  //  (checkpoint [3, 4] vs model [4, 4])" -- first few names of each list, then the count.
  std::string summary() const;
};

// Steps 1-5 above. `source` names the checkpoint in errors (e.g. an unknown `key`).
StateDict extract_state_dict(const Value& checkpoint, const LoadOptions& options, const std::string& source);
// Step 2 alone: flattens nested dicts of tensors ("a": {"b": t} -> "a.b").
StateDict flatten_tensors(const Value& dict);
// Steps 4-5 alone (invalid regex -> detseq::Error naming the pattern).
StateDict rename_keys(const StateDict& state, const std::string& prefix, const std::vector<RenameRule>& rules);

// Copies `state` into the module's parameters and buffers (see the rules above).
LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state, bool strict,
                           const std::string& source = "state dict");
// read_checkpoint + extract_state_dict + load_state_dict.
LoadReport load_checkpoint_into(torch::nn::Module& module, const std::string& path, const LoadOptions& options);

// The module's parameters then buffers (detached, sharing memory), named as state-dict keys.
StateDict module_state_dict(const torch::nn::Module& module);
// A StateDict as a Value dict (what Python's model.state_dict() pickles to) and back.
Value state_dict_to_value(const StateDict& state);
StateDict value_to_state_dict(const Value& dict);  // = flatten_tensors

}  // namespace detseq::io
