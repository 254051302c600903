// `init_cfg: {type: Pretrained, ...}` and `load_from: PATH`, as in mmengine/mmdetection:
//
//   backbone:
//     type: ResNet
//     init_cfg:
//       type: Pretrained
//       checkpoint: weights/detr-r50.pth
//       key: model                  # optional: sub-dict (default: state_dict / model / module / top)
//       prefix: backbone.0.body.    # optional: only keys under it, stripped
//       rename:                     # optional: regex rules applied in order after the prefix
//         - {pattern: '^fc\.', replacement: 'head.fc.'}
//       strict: false
//
// Call `apply_init_cfg(*this_module, options.init_cfg)` after building a component (the detector
// does it for its children; init_cfg of a parent loads after its children, so it wins), and
// `load_checkpoint_into(model, load_from, {})` in the runner for `load_from`.
#pragma once
#include <string>

#include "core/config/config_node.h"
#include "core/io/state_dict.h"
#include "core/registry/registry.h"

namespace detseq {

// `init_cfg: {type: ...}`: how a module's weights are set after construction (mmengine's
// WEIGHT_INITIALIZERS). `Pretrained` loads a checkpoint; a new initializer is one file.
class WeightInit {
 public:
  virtual ~WeightInit() = default;
  // `cfg` is the init_cfg this initializer was built from (its path and file:line for messages).
  virtual io::LoadReport apply(torch::nn::Module& module, const ComponentCfg& cfg) const = 0;
};
DETSEQ_DECLARE_FAMILY(WeightInit, "weight_init", "init_cfg: weights of a module after construction (Pretrained, ...)");

}  // namespace detseq

namespace detseq::io {

struct RenameRuleOptions {
  std::string pattern;
  std::string replacement;
  template <class V>
  void visit(V& v) {
    v.required("pattern", pattern, "std::regex (ECMAScript) matched against each checkpoint key");
    v("replacement", replacement, "replacement text; $1.. refer to groups");
  }
};

struct PretrainedInitOptions {
  std::string checkpoint;
  std::string key;
  std::string prefix;
  ConfigNode rename;  // a list of {pattern, replacement}
  std::vector<std::string> ignore_keys;
  bool strict = false;
  template <class V>
  void visit(V& v) {
    v.required("checkpoint", checkpoint, "path of a .pth file written by torch.save or detseq");
    v("key", key, "sub-dict holding the weights; empty = state_dict, model, module or the top level");
    v("prefix", prefix, "load only keys starting with this prefix, with the prefix removed");
    v("rename", rename, "list of {pattern, replacement} regex rules applied in order to the keys");
    v("ignore_keys", ignore_keys, "regexes of checkpoint keys to drop before loading (e.g. '^fc\\.')");
    v("strict", strict, "fail on any missing, unexpected or shape-mismatched key");
  }
};

// `checkpoint_mapping:` (top level of a config): how a whole-model checkpoint in a released
// layout (another code base's names) maps onto this model's names. The same keys as Pretrained,
// without `checkpoint`, `strict` and `type`:
//
//   checkpoint_mapping:
//     key: model
//     rename:
//       - {pattern: '^backbone\.0\.body\.', replacement: 'backbone.'}
//     ignore_keys: ['^bbox_head\.empty_weight$']
struct CheckpointMappingOptions {
  std::string key;
  std::string prefix;
  ConfigNode rename;
  std::vector<std::string> ignore_keys;
  template <class V>
  void visit(V& v) {
    v("key", key, "sub-dict holding the weights; empty = state_dict, model, module or the top level");
    v("prefix", prefix, "load only keys starting with this prefix, with the prefix removed");
    v("rename", rename, "list of {pattern, replacement} regex rules applied in order to the keys");
    v("ignore_keys", ignore_keys, "regexes of checkpoint keys that are not weights of this model");
  }
};

// Reads a `type: Pretrained` init_cfg node (`path` is its config path, e.g.
// "model.backbone.init_cfg"). Unknown keys -> ConfigError with did-you-mean; any other `type`
// -> ConfigError. Relative checkpoint paths are taken as they are (relative to the cwd).
LoadOptions read_pretrained_options(const ConfigNode& init_cfg, const std::string& path, std::string* checkpoint);

// The mapping of whole-model checkpoints for a config root: `checkpoint_mapping` if present, else
// the key/prefix/rename/ignore_keys of a `type: Pretrained` `model.init_cfg` (a whole-detector
// import such as DETR's), else none. Its `strict` is unset: the caller decides.
LoadOptions model_checkpoint_mapping(const ConfigNode& root);

// The one load path of whole-model weights (`detseq test`/`infer` CHECKPOINT, `load_from`):
// files written by detseq (meta.detseq_version) load by name, any other through `mapping`.
// strict: any missing, unexpected or mismatched key is an error naming the first few of each.
LoadReport load_model_checkpoint(torch::nn::Module& model, const Value& checkpoint, const std::string& path,
                                 const LoadOptions& mapping, bool strict);

// Loads the init_cfg's checkpoint into `module` and logs the report. An empty (null) init_cfg does
// nothing and returns an empty report. A list of init_cfgs is applied in order.
LoadReport apply_init_cfg(torch::nn::Module& module, const ComponentCfg& init_cfg);

// While alive, apply_init_cfg only checks init_cfg options and does not read checkpoints
// (`detseq print-config` validates a config without needing its weight files).
class ScopedSkipPretrainedLoading {
 public:
  ScopedSkipPretrainedLoading();
  ~ScopedSkipPretrainedLoading();
  ScopedSkipPretrainedLoading(const ScopedSkipPretrainedLoading&) = delete;
  ScopedSkipPretrainedLoading& operator=(const ScopedSkipPretrainedLoading&) = delete;

 private:
  bool previous_;
};

}  // namespace detseq::io
