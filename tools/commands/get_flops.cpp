// detseq get-flops CONFIG [--shape H W] [--cfg-options ...]
// mmdetection's tools/analysis_tools/get_flops.py: the model's parameters (per module, two levels
// deep) and the multiply-adds of one inference pass on a random H x W image, per stage (backbone,
// neck, head, decoding included) and per operator (core/util/flop_counter.h says which count).
#include <torch/torch.h>

#include <cstdio>
#include <map>

#include "core/config/config.h"
#include "core/interfaces/model.h"
#include "core/util/error.h"
#include "core/util/flop_counter.h"
#include "models/detectors/composed_detector.h"
#include "tools/command.h"

namespace detseq::cli {
namespace {

struct Options {
  std::string config;
  std::vector<std::string> cfg_options;
  std::vector<int64_t> shape{1280, 800};
};

// 86.1G, 41.3M, 512: three significant digits with an SI suffix, as mmengine prints.
std::string si(double v) {
  const char* units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f" : "%.3g%s", v, units[u]);
  return buf;
}

int64_t count_params(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// Weights do not change the counts: init_cfg (pretrained files) is left out everywhere in the model,
// as mmdet's get_flops builds the model without init_weights().
void drop_init_cfg(ConfigNode& node) {
  if (node.is_map()) {
    if (node.has("init_cfg")) node.erase("init_cfg");
    for (auto& item : node.items()) drop_init_cfg(item.second);
  } else if (node.is_sequence()) {
    for (size_t i = 0; i < node.size(); ++i) drop_init_cfg(node[i]);
  }
}

int run(const Options& o) {
  if (o.shape.empty() || o.shape.size() > 2) throw Error("--shape takes H W or one size for a square image");
  const int64_t h = o.shape[0], w = o.shape.size() == 2 ? o.shape[1] : o.shape[0];
  if (h < 1 || w < 1 || h > 16384 || w > 16384)
    throw Error("--shape: " + std::to_string(h) + " x " + std::to_string(w) + " is outside 1..16384");
  torch::set_num_threads(std::max(1, default_thread_count()));
  const Config config = load_config(o.config, o.cfg_options);
  ConfigNode model_cfg = config.root.at("model", "model");
  drop_init_cfg(model_cfg);
  auto model = build<Detector>(model_cfg, "model");
  model->eval();

  Batch batch;
  torch::manual_seed(0);
  batch.images = torch::randn({1, 3, h, w});
  batch.masks = torch::zeros({1, h, w}, torch::kBool);
  ImageMeta meta;
  meta.image_id = 0;
  meta.ori_height = meta.img_height = meta.pad_height = h;
  meta.ori_width = meta.img_width = meta.pad_width = w;
  batch.metas = {meta};

  FlopCounter counter;
  {
    torch::NoGradGuard no_grad;
    if (auto* composed = dynamic_cast<ComposedDetector*>(model.get())) {
      counter.set_scope("backbone");
      auto features = composed->backbone()->forward(batch.images);
      if (composed->neck()) {
        counter.set_scope("neck");
        features = composed->neck()->forward(features);
      }
      counter.set_scope("head");
      composed->head()->predict(features, batch);
    } else {
      counter.set_scope("model");
      model->predict(batch);
    }
  }

  const int64_t params = count_params(*model);
  std::printf("==============================\n");
  std::printf("Input shape: (%lld, %lld)\n", static_cast<long long>(h), static_cast<long long>(w));
  std::printf("Flops: %s (multiply-adds of convolutions and matrix products)\n", si(counter.total()).c_str());
  std::printf("Params: %s\n", si(static_cast<double>(params)).c_str());
  std::printf("==============================\n");
  std::printf("%-40s %12s %12s\n", "module", "params", "flops");
  std::map<std::string, int64_t> stage_flops;
  for (const auto& [scope, ops] : counter.counts()) stage_flops[scope] = counter.total(scope);
  for (const auto& child : model->named_children()) {
    const auto it = stage_flops.find(child.key());
    std::printf("%-40s %12s %12s\n", child.key().c_str(), si(static_cast<double>(count_params(*child.value()))).c_str(),
                it == stage_flops.end() ? "-" : si(static_cast<double>(it->second)).c_str());
    for (const auto& grandchild : child.value()->named_children()) {
      const std::string name = "  " + child.key() + "." + grandchild.key();
      std::printf("%-40s %12s %12s\n", name.c_str(), si(static_cast<double>(count_params(*grandchild.value()))).c_str(),
                  "");
    }
  }
  std::printf("%-40s %12s %12s\n", "operator", "", "flops");
  std::map<std::string, int64_t> by_op;
  for (const auto& [scope, ops] : counter.counts())
    for (const auto& [op, n] : ops) by_op[op] += n;
  for (const auto& [op, n] : by_op) std::printf("%-40s %12s %12s\n", op.c_str(), "", si(static_cast<double>(n)).c_str());
  std::printf("Flops count one multiply-add as one (fvcore, mmengine); element-wise ops, normalisation and softmax "
              "are not counted. The head includes its whole prediction (Pix2Seq: every decoding step).\n");
  return 0;
}

}  // namespace

DETSEQ_COMMAND("get-flops", "parameters and FLOPs of a config's model on an H x W input (mmdet get_flops.py)",
               [](CLI::App& app) {
                 auto o = std::make_shared<Options>();
                 app.add_option("config", o->config, "config file (YAML)")->required();
                 app.add_option("--shape", o->shape, "input H W (or one size)")->expected(1, 2)->capture_default_str();
                 add_cfg_options(app, o->cfg_options);
                 return [o] { return run(*o); };
               });

}  // namespace detseq::cli
