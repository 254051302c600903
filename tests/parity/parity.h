// Training-step parity with PyTorch: the config under tests/parity/configs is built as `detseq
// train` builds it (model from `model`, OptimWrapper from `optim_wrapper`), loaded with the initial
// weights that fixtures/make_parity.py wrote, trained K steps on its fixed batch, and compared with
// the steps the script recorded: every loss term before every step, the global gradient norm
// before clipping, and every parameter at the end.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/engine/optim_wrapper.h"
#include "core/interfaces/model.h"
#include "tests/models/reference.h"

namespace detseq::test {

// Tolerances of the issue: losses (and grad norms) relative, parameters absolute (max abs diff).
constexpr double kLossRelTol = 1e-4;
constexpr double kParamAbsTol = 1e-4;

// The reference files of `what` (detr | pix2seq), "" without python3 + torch.
inline std::string parity_reference_dir(const std::string& what) {
  return python_reference_dir("tests/parity/fixtures/make_parity.py", what,
                              {"tests/models/fixtures/make_reference.py"});
}

// make_parity.py's batch: padded images, masks, boxes (xyxy px of each unpadded image), labels.
inline Batch load_parity_batch(const std::string& dir) {
  auto t = load_tensors(dir + "/batch.pth");
  Batch batch;
  batch.images = t.at("images");
  batch.masks = t.at("masks");
  for (int64_t i = 0; t.count("boxes." + std::to_string(i)); ++i) {
    const std::string k = std::to_string(i);
    ImageMeta meta;
    meta.image_id = i + 1;
    meta.sample_index = i;
    meta.img_width = meta.ori_width = t.at("sizes." + k)[0].item<int64_t>();
    meta.img_height = meta.ori_height = t.at("sizes." + k)[1].item<int64_t>();
    meta.pad_height = batch.images.size(2);
    meta.pad_width = batch.images.size(3);
    Instances inst;
    inst.boxes = t.at("boxes." + k);
    inst.labels = t.at("labels." + k);
    inst.ignore = torch::zeros({inst.boxes.size(0)}, torch::kBool);
    batch.instances.push_back(inst);
    batch.metas.push_back(meta);
  }
  return batch;
}

struct ParityResult {
  double loss_rel = -1;       // max over steps and terms (and the total) of |c - p| / |p|
  double grad_norm_rel = -1;  // max over steps
  double param_abs = -1;      // max over parameters and elements, after the last step
  double update_abs = 0;      // max |change of a parameter over the run| (PyTorch), for scale
  std::string worst_loss, worst_param;
};

// Builds `config` (relative to the source tree) with the initial weights of the reference in `dir`,
// runs the recorded number of steps and compares (gtest failures); the measured differences go to r.
inline void run_parity(const std::string& what, const std::string& dir, const std::string& config, ParityResult& r) {
  torch::manual_seed(0);
  Config cfg = load_config(std::string(DETSEQ_SOURCE_DIR) + "/" + config,
                           {"model.init_cfg.checkpoint=" + dir + "/init.pth"});
  auto model = build<Detector>(cfg.root.at("model"), "model");
  const auto optim_owner = build_optim_wrapper(cfg.root.at("optim_wrapper"), "optim_wrapper", *model);
  OptimWrapper& optim = *optim_owner;
  const Batch batch = load_parity_batch(dir);
  auto ref = load_tensors(dir + "/steps.pth");
  const auto ref_norms = ref.at("grad_norm");
  const size_t steps = static_cast<size_t>(ref_norms.numel());
  optim.initialize_count_status(0, static_cast<int64_t>(steps));

  // The train loop's iteration (core/engine/train_loop.cpp): loss(), total_loss(), update_params().
  std::map<std::string, std::vector<double>> losses;
  std::vector<double> norms;
  for (size_t s = 0; s < steps; ++s) {
    model->train();
    LossDict terms = model->loss(batch);
    const torch::Tensor total = total_loss(terms);
    for (const auto& [name, value] : terms) losses[name].push_back(value.item<double>());
    losses["total"].push_back(total.item<double>());
    EXPECT_TRUE(optim.update_params(total));
    norms.push_back(optim.last_grad_norm().value_or(-1.0));
  }

  auto rel = [](double c, double p) { return std::abs(c - p) / std::max(std::abs(p), 1e-12); };
  auto check_loss = [&](const std::string& name, size_t s, double p) {
    const double c = losses[name][s], d = rel(c, p);
    if (d > r.loss_rel) {
      r.loss_rel = d;
      r.worst_loss = name + " step " + std::to_string(s);
    }
    EXPECT_LT(d, kLossRelTol) << name << " step " << s << ": detseq " << c << ", PyTorch " << p;
  };
  std::vector<double> ref_total(steps, 0.0);
  size_t terms = 0;
  for (const auto& [key, values] : ref) {
    if (key.rfind("loss.", 0) != 0) continue;
    ++terms;
    const std::string name = key.substr(5);
    ASSERT_TRUE(losses.count(name)) << "detseq has no loss term '" << name << "'";
    for (size_t s = 0; s < steps; ++s) {
      const double p = values[static_cast<int64_t>(s)].item<double>();
      ref_total[s] += p;
      check_loss(name, s, p);
    }
  }
  EXPECT_EQ(terms + 1, losses.size()) << "detseq and PyTorch have different loss terms";
  for (size_t s = 0; s < steps; ++s) {
    check_loss("total", s, ref_total[s]);
    r.grad_norm_rel = std::max(r.grad_norm_rel, rel(norms[s], ref_norms[static_cast<int64_t>(s)].item<double>()));
  }
  EXPECT_LT(r.grad_norm_rel, kLossRelTol) << "global gradient norm before clipping";

  size_t compared = 0;
  for (const auto& item : model->named_parameters()) {
    const auto it = ref.find("param." + item.key());
    ASSERT_NE(it, ref.end()) << "PyTorch has no parameter " << item.key();
    const double d = max_abs_diff(item.value().detach(), it->second);
    if (d > r.param_abs) {
      r.param_abs = d;
      r.worst_param = item.key();
    }
    r.update_abs = std::max(r.update_abs, ref.at("delta." + item.key()).abs().max().item<double>());
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<size_t>(std::count_if(ref.begin(), ref.end(), [](const auto& kv) {
              return kv.first.rfind("param.", 0) == 0;
            })));
  EXPECT_LT(r.param_abs, kParamAbsTol) << "worst parameter: " << r.worst_param;
  std::printf("[parity %s] %zu steps, %zu loss terms, %zu parameters: max loss rel diff %.3g (%s), grad-norm rel "
              "diff %.3g, max param abs diff %.3g (%s); largest PyTorch update %.3g\n",
              what.c_str(), steps, terms, compared, r.loss_rel, r.worst_loss.c_str(), r.grad_norm_rel, r.param_abs,
              r.worst_param.c_str(), r.update_abs);
  for (size_t s = 0; s < steps; ++s) {
    std::printf("  step %zu: total loss detseq %.9g, PyTorch %.9g; grad norm detseq %.9g, PyTorch %.9g\n", s,
                losses["total"][s], ref_total[s], norms[s], ref_norms[static_cast<int64_t>(s)].item<double>());
  }
}

}  // namespace detseq::test
