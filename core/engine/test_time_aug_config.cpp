#include "core/engine/test_time_aug_config.h"

#include <algorithm>

#include "core/logging/logging.h"
#include "core/util/error.h"

namespace detseq {
namespace {

ConfigNode transform(const std::string& type) {
  ConfigNode t = ConfigNode::map();
  t["type"] = ConfigNode::scalar(type);
  return t;
}

ConfigNode flip(double prob) {
  ConfigNode t = transform("RandomFlip");
  t["prob"] = make_scalar(prob);
  return t;
}

// mmdet's default tta_model.
ConfigNode default_tta_model() {
  ConfigNode nms = ConfigNode::map();
  nms["type"] = ConfigNode::scalar("nms");
  nms["iou_threshold"] = make_scalar(0.5);
  ConfigNode cfg = ConfigNode::map();
  cfg["nms"] = nms;
  cfg["max_per_img"] = make_scalar(int64_t{100});
  ConfigNode model = transform("DetTTAModel");
  model["tta_cfg"] = cfg;
  return model;
}

std::string type_of(const ConfigNode& step) {
  const ConfigNode* t = step.is_map() ? step.find("type") : nullptr;
  return t && t->is_scalar() ? t->as<std::string>("type") : "";
}

}  // namespace

ConfigNode default_tta_pipeline(const ConfigNode& test_pipeline, const std::string& path) {
  if (!test_pipeline.is_sequence()) {
    throw ConfigError(describe_location(path, test_pipeline) + ": expected the test pipeline as a list of transforms");
  }
  const auto& steps = test_pipeline.elements();
  const auto tail = std::find_if(steps.begin(), steps.end(), [](const ConfigNode& s) {
    const std::string t = type_of(s);
    return t == "Normalize" || t == "Pad" || t == "PackDetInputs";
  });
  if (tail == steps.end()) {
    throw ConfigError(describe_location(path, test_pipeline) +
                      ": no Normalize, Pad or PackDetInputs step to put the flip views before; write a tta_pipeline");
  }
  ConfigNode flips = ConfigNode::sequence();
  flips.push_back(flip(1.0));
  flips.push_back(flip(0.0));
  ConfigNode rest = ConfigNode::sequence();
  for (auto it = tail; it != steps.end(); ++it) rest.push_back(*it);
  ConfigNode rest_stage = ConfigNode::sequence();
  rest_stage.push_back(rest);  // one alternative: the remaining steps in order
  ConfigNode stages = ConfigNode::sequence();
  stages.push_back(flips);
  stages.push_back(rest_stage);
  ConfigNode tta = transform("TestTimeAug");
  tta["transforms"] = stages;
  ConfigNode out = ConfigNode::sequence(test_pipeline.loc());
  for (auto it = steps.begin(); it != tail; ++it) out.push_back(*it);
  out.push_back(tta);
  return out;
}

void apply_test_time_augmentation(Config& config) {
  ConfigNode& root = config.root;
  ConfigNode* dataset = root.find_path("test_dataloader.dataset");
  if (dataset == nullptr || !dataset->is_map()) {
    throw ConfigError(config.filename + ": --tta needs a test_dataloader with a dataset");
  }
  std::string dataset_path = "test_dataloader.dataset";
  // Dataset wrappers (RepeatDataset, ...) hold the dataset whose pipeline runs.
  while (ConfigNode* inner = dataset->find("dataset")) {
    if (!inner->is_map()) break;
    dataset = inner;
    dataset_path += ".dataset";
  }
  ConfigNode* pipeline = dataset->find("pipeline");
  if (pipeline == nullptr) throw ConfigError(config.filename + ": " + dataset_path + " has no pipeline to augment");

  const ConfigNode* tta_model = root.find("tta_model");
  ConfigNode wrapper = tta_model && !tta_model->is_null() ? *tta_model : default_tta_model();
  if (!wrapper.is_map()) throw ConfigError(describe_location("tta_model", wrapper) + ": expected a model map");
  if (!tta_model || tta_model->is_null()) {
    DETSEQ_INFO("--tta: {} has no tta_model; using DetTTAModel with NMS at IoU 0.5, 100 detections per image",
                config.filename);
  }
  if (wrapper.find("module") != nullptr) {
    throw ConfigError(describe_location("tta_model.module", *wrapper.find("module")) +
                      ": --tta sets tta_model.module to the config's model; remove it");
  }
  wrapper["module"] = root.at("model", "model");
  root["model"] = wrapper;

  const ConfigNode* tta_pipeline = root.find("tta_pipeline");
  if (tta_pipeline && !tta_pipeline->is_null()) {
    *pipeline = *tta_pipeline;
  } else {
    *pipeline = default_tta_pipeline(*pipeline, dataset_path + ".pipeline");
    DETSEQ_INFO("--tta: {} has no tta_pipeline; using the test pipeline with horizontal-flip views", config.filename);
  }
}

}  // namespace detseq
