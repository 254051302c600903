#include "models/sequence/sequence_builder.h"

#include <algorithm>

#include "core/util/error.h"
#include "core/util/random.h"
#include "core/util/strings.h"
#include "models/sequence/box_noise.h"

namespace detseq {
namespace {

const std::vector<std::string> kCorruptions = {"none", "rand_cls", "real_n_fake_cls", "rand_n_fake_cls",
                                               "real_n_rand_n_fake_cls", "real_n_rand_cls"};
const std::vector<std::string> kObjectOrders = {"random", "area", "dist2ori", "none"};

// The official code draws every alternative and then picks one per the mode; we draw the same
// coins in the same order so every mode uses the same stream layout.
int64_t corrupt(const std::string& mode, int64_t real, int64_t fake, std::pair<int64_t, int64_t> rand_range, Rng& rng) {
  const int64_t rand_cls = uniform_int(rng, rand_range.first, rand_range.second - 1);
  const int64_t rand_n_fake = uniform(rng, 0, 1) > 0.5 ? rand_cls : fake;
  const int64_t real_n_fake = uniform(rng, 0, 1) > 0.5 ? real : fake;
  const bool keep_real = uniform(rng, 0, 1) > 0.5;
  const int64_t real_n_rand_n_fake = keep_real ? real : rand_n_fake;
  if (mode == "none") return real;
  if (mode == "rand_cls") return rand_cls;
  if (mode == "real_n_fake_cls") return real_n_fake;
  if (mode == "rand_n_fake_cls") return rand_n_fake;
  if (mode == "real_n_rand_cls") return keep_real ? real : rand_cls;  // the mmdetection port's drop_token
  return real_n_rand_n_fake;
}

}  // namespace

Pix2SeqSequenceBuilder::Pix2SeqSequenceBuilder(const Pix2SeqSequenceOptions& options) : options_(options) {
  if (std::find(kCorruptions.begin(), kCorruptions.end(), options_.class_corruption) == kCorruptions.end()) {
    throw ConfigError("Pix2SeqSequenceBuilder: unknown class_corruption '" + options_.class_corruption + "'" +
                      did_you_mean(options_.class_corruption, kCorruptions) + " (one of " + join(kCorruptions, ", ") + ")");
  }
  if (std::find(kObjectOrders.begin(), kObjectOrders.end(), options_.object_order) == kObjectOrders.end()) {
    throw ConfigError("Pix2SeqSequenceBuilder: unknown object_order '" + options_.object_order + "'" +
                      did_you_mean(options_.object_order, kObjectOrders) + " (one of " + join(kObjectOrders, ", ") + ")");
  }
}

TrainSequences Pix2SeqSequenceBuilder::build(const std::vector<Instances>& instances, int64_t height, int64_t width,
                                             const Tokenizer& tok, const std::vector<uint64_t>& seeds) const {
  const int64_t batch = static_cast<int64_t>(instances.size());
  const int64_t length = this->length();
  if (static_cast<int64_t>(seeds.size()) != batch) throw Error("sequence builder: one seed per image is required");
  auto input = torch::full({batch, length}, tok.pad_token(), torch::kInt64);
  auto target = torch::full({batch, length}, tok.pad_token(), torch::kInt64);
  auto weight = torch::full({batch, length}, options_.end_weight, torch::kFloat32);
  auto noise = torch::zeros({batch, length}, torch::kBool);
  auto in_a = input.accessor<int64_t, 2>();
  auto tg_a = target.accessor<int64_t, 2>();
  auto w_a = weight.accessor<float, 2>();
  auto n_a = noise.accessor<bool, 2>();

  for (int64_t b = 0; b < batch; ++b) {
    Rng rng(seeds[static_cast<size_t>(b)]);
    const Instances inst = instances[static_cast<size_t>(b)].targets();
    std::vector<int64_t> order(static_cast<size_t>(inst.size()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    if (options_.object_order == "random") {
      for (int64_t i = static_cast<int64_t>(order.size()) - 1; i > 0; --i) std::swap(order[i], order[uniform_int(rng, 0, i)]);
    } else if (options_.object_order != "none" && !order.empty()) {
      // A fixed order gives each image one target sequence: easier to learn early, less robust
      // than random order at convergence (Pix2Seq paper, ablation on object ordering).
      auto u = tok.normalise(inst.boxes, height, width).contiguous();
      auto ua = u.accessor<double, 2>();
      std::vector<double> key(order.size());
      for (size_t i = 0; i < order.size(); ++i) {
        const double x0 = ua[i][0], y0 = ua[i][1], x1 = ua[i][2], y1 = ua[i][3];
        key[i] = options_.object_order == "area" ? -(x1 - x0) * (y1 - y0) : x0 * x0 + y0 * y0;
      }
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key[a] < key[b]; });
    }
    if (static_cast<int64_t>(order.size()) > options_.max_objects) order.resize(static_cast<size_t>(options_.max_objects));
    const int64_t n_real = static_cast<int64_t>(order.size());

    std::vector<box_noise::Box> unit;
    std::vector<int64_t> classes;
    if (n_real > 0) {
      auto idx = torch::tensor(order, torch::kInt64);
      auto u = tok.normalise(inst.boxes.index_select(0, idx), height, width).contiguous();
      auto ua = u.accessor<double, 2>();
      auto labels = inst.labels.index_select(0, idx);
      for (int64_t i = 0; i < n_real; ++i) {
        unit.push_back({ua[i][0], ua[i][1], ua[i][2], ua[i][3]});
        classes.push_back(tok.class_token(labels[i].item<int64_t>()));
      }
    }
    if (options_.noise_objects) {
      auto extra = box_noise::make_noise(unit, static_cast<int>(options_.max_objects - n_real), rng);
      for (const auto& box : extra.boxes) {
        unit.push_back(box);
        classes.push_back(tok.noise_token());
      }
    }
    const int64_t m = static_cast<int64_t>(unit.size());
    if (m == 0) {
      tg_a[b][0] = tok.end_token();
      in_a[b][0] = tok.prompt_token();
      continue;
    }
    auto unit_t = torch::empty({m, 4}, torch::kFloat64);
    auto unit_a = unit_t.accessor<double, 2>();
    for (int64_t i = 0; i < m; ++i)
      for (int k = 0; k < 4; ++k) unit_a[i][k] = unit[static_cast<size_t>(i)][static_cast<size_t>(k)];
    auto coords = tok.encode_boxes(tok.denormalise(unit_t, height, width), height, width).contiguous();
    auto ca = coords.accessor<int64_t, 2>();

    in_a[b][0] = tok.prompt_token();
    for (int64_t i = 0; i < m; ++i) {
      const bool is_noise = i >= n_real;
      const int64_t base = i * Tokenizer::kTokensPerObject;
      for (int k = 0; k < 4; ++k) {
        tg_a[b][base + k] = ca[i][k];
        w_a[b][base + k] = static_cast<float>(is_noise ? options_.noise_coord_weight : options_.coord_weight);
        n_a[b][base + k] = is_noise;
      }
      tg_a[b][base + 4] = classes[static_cast<size_t>(i)];
      w_a[b][base + 4] = static_cast<float>(is_noise ? options_.noise_class_weight : options_.class_weight);
      n_a[b][base + 4] = is_noise;
      // Decoder input is the target shifted right by one, with a corrupted class token.
      const int64_t corrupted =
          corrupt(options_.class_corruption, classes[static_cast<size_t>(i)], tok.noise_token(), tok.random_class_range(), rng);
      for (int k = 0; k < 4; ++k)
        if (base + k + 1 < length) in_a[b][base + k + 1] = ca[i][k];
      if (base + 5 < length) in_a[b][base + 5] = corrupted;
    }
    if (m * Tokenizer::kTokensPerObject < length) tg_a[b][m * Tokenizer::kTokensPerObject] = tok.end_token();
  }
  return {input, target, weight, noise};
}

torch::Tensor Pix2SeqSequenceBuilder::reduce_loss(const torch::Tensor& token_ce, const TrainSequences& seqs) const {
  auto w = seqs.weight.to(token_ce.device(), token_ce.scalar_type());
  auto numerator = (token_ce * w).sum();
  auto denominator = options_.normalize == "weight_sum" ? w.sum() : (w > 0).sum().to(token_ce.scalar_type());
  return numerator / denominator.clamp_min(1e-6);
}

DETSEQ_REGISTER_AS(SequenceBuilder, Pix2SeqSequenceBuilder, Pix2SeqSequenceOptions, "Pix2SeqSequenceBuilder",
                   "training sequences with noise objects, class corruption and token weights (official recipe)");

}  // namespace detseq
