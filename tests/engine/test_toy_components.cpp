#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/config/yaml_io.h"
#include "core/dist/dist.h"
#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/interfaces/data.h"
#include "core/interfaces/metric.h"
#include "core/interfaces/model.h"
#include "tests/engine/toy.h"

namespace detseq::test {

Record& g_record() {
  static Record r;
  return r;
}

// ---- model -------------------------------------------------------------------------------------
struct ToyDetectorOptions {
  double dropout = 0.1;
  int64_t nan_at_iter = -1;  // make the loss NaN at this (1-based) training call
  bool layer_norm = true;
  int64_t num_classes = 0;  // what num_classes() reports (0: unknown)
  template <class V>
  void visit(V& v) {
    v("dropout", dropout);
    v("layer_norm", layer_norm);
    v("nan_at_iter", nan_at_iter);
    v("num_classes", num_classes);
  }
};

class ToyDetector : public Detector {
 public:
  int64_t num_classes() const override { return o_.num_classes; }
  explicit ToyDetector(const ToyDetectorOptions& o) : o_(o) {
    fc = register_module("fc", torch::nn::Linear(3, 8));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({8})));
    head = register_module("head", torch::nn::Linear(8, 4));
  }
  torch::Tensor forward(const Batch& batch) {
    auto x = batch.images.mean({2, 3});
    x = fc(x);
    x = torch::relu(o_.layer_norm ? norm(x) : x);
    x = torch::dropout(x, o_.dropout, is_training());
    return head(x);
  }
  LossDict loss(const Batch& batch) override {
    ++calls_;
    auto pred = forward(batch).to(torch::kFloat32);  // losses in fp32, also under bf16 autocast
    std::vector<torch::Tensor> targets;
    for (const auto& inst : batch.instances) targets.push_back(inst.boxes[0]);
    auto target = torch::stack(targets);
    LossDict out;
    out["loss_bbox"] = torch::mse_loss(pred, target);
    out["loss_l1"] = 0.1 * torch::l1_loss(pred, target);
    out["acc"] = torch::tensor(0.5);
    if (calls_ == o_.nan_at_iter) out["loss_bbox"] = out["loss_bbox"] * std::nan("");
    return out;
  }
  std::vector<Detections> predict(const Batch& batch) override {
    auto pred = forward(batch);
    std::vector<Detections> out;
    for (int64_t i = 0; i < batch.size(); ++i) {
      Detections d;
      d.image_id = batch.metas[i].image_id;
      d.boxes = pred[i].unsqueeze(0);
      d.scores = torch::ones({1});
      d.labels = torch::zeros({1}, torch::kInt64);
      out.push_back(d);
    }
    return out;
  }
  torch::nn::Linear fc{nullptr}, head{nullptr};
  torch::nn::LayerNorm norm{nullptr};

 private:
  ToyDetectorOptions o_;
  int64_t calls_ = 0;
};
DETSEQ_REGISTER(Detector, ToyDetector, ToyDetectorOptions);

// ---- data --------------------------------------------------------------------------------------
struct ToyDatasetOptions {
  int64_t num_samples = 8;
  double noise = 0.05;
  int64_t num_classes = 1;  // class names in metainfo (every box is label 0)
  template <class V>
  void visit(V& v) {
    v("num_samples", num_samples);
    v("num_classes", num_classes);
    v("noise", noise, "random jitter of the target (uses the sample rng)");
  }
};

class ToyDataset : public Dataset {
 public:
  explicit ToyDataset(const ToyDatasetOptions& o) : o_(o) {
    meta_.classes = {"thing"};
    for (int64_t c = 1; c < o.num_classes; ++c) meta_.classes.push_back("thing" + std::to_string(c));
  }
  size_t size() const override { return static_cast<size_t>(o_.num_samples); }
  std::optional<Sample> get(size_t index, Rng& rng) override {
    torch::Generator gen = at::detail::createCPUGenerator(1000 + index);
    Sample s;
    s.image = torch::rand({3, 4, 4}, gen);
    const auto c = s.image.mean({1, 2});
    const double jitter = uniform(rng, -o_.noise, o_.noise);
    s.instances.boxes = torch::stack({c[0] + jitter, c[1], c[2] * 2, c[0] + c[1]}).unsqueeze(0).to(torch::kFloat32);
    s.instances.labels = torch::zeros({1}, torch::kInt64);
    s.instances.ignore = torch::zeros({1}, torch::kBool);
    s.meta.image_id = static_cast<int64_t>(index);
    s.meta.sample_index = static_cast<int64_t>(index);
    return s;
  }
  const DatasetMeta& metainfo() const override { return meta_; }
  const CocoGroundTruth& ground_truth() const override { return gt_; }
  int64_t label_to_category(int64_t label) const override { return label + 1; }
  double aspect_ratio(size_t) const override { return 1.0; }

 private:
  ToyDatasetOptions o_;
  DatasetMeta meta_;
  CocoGroundTruth gt_;
};
DETSEQ_REGISTER(Dataset, ToyDataset, ToyDatasetOptions);

struct ToyLoaderOptions {
  ComponentCfg dataset;
  int64_t batch_size = 2;
  bool shuffle = true;
  int64_t seed = 0;
  template <class V>
  void visit(V& v) {
    v.required("dataset", dataset);
    v("batch_size", batch_size);
    v("shuffle", shuffle);
    v("seed", seed);
  }
};

class ToyLoader : public DataLoader {
 public:
  explicit ToyLoader(const ToyLoaderOptions& o) : o_(o), dataset_(build<Dataset>(o.dataset)) {}
  void start_epoch(int64_t epoch, int64_t start_at_batch) override {
    epoch_ = epoch;
    std::vector<int64_t> order(dataset_->size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    if (o_.shuffle) {
      Rng rng = sample_rng(o_.seed, epoch, 0xffff);
      std::shuffle(order.begin(), order.end(), rng);
    }
    // Even shards: pad by repeating from the start, then rank r takes r, r + W, ...
    const int64_t w = dist::world_size();
    while (static_cast<int64_t>(order.size()) % w) order.push_back(order[order.size() % dataset_->size()]);
    shard_.clear();
    for (size_t i = dist::rank(); i < order.size(); i += w) shard_.push_back(order[i]);
    pos_ = start_at_batch * o_.batch_size;
  }
  std::optional<Batch> next() override {
    if (pos_ >= static_cast<int64_t>(shard_.size())) return std::nullopt;
    Batch b;
    std::vector<torch::Tensor> images;
    for (int64_t k = 0; k < o_.batch_size && pos_ < static_cast<int64_t>(shard_.size()); ++k, ++pos_) {
      Rng rng = sample_rng(o_.seed, epoch_, shard_[pos_]);
      auto s = dataset_->get(shard_[pos_], rng);
      images.push_back(s->image);
      b.instances.push_back(s->instances);
      b.metas.push_back(s->meta);
    }
    b.images = torch::stack(images);
    b.masks = torch::zeros({b.images.size(0), 4, 4}, torch::kBool);
    return b;
  }
  int64_t batches_per_epoch() const override {
    const int64_t w = dist::world_size();
    const int64_t per_rank = (static_cast<int64_t>(dataset_->size()) + w - 1) / w;
    return (per_rank + o_.batch_size - 1) / o_.batch_size;
  }
  Dataset& dataset() override { return *dataset_; }

 private:
  ToyLoaderOptions o_;
  std::shared_ptr<Dataset> dataset_;
  std::vector<int64_t> shard_;
  int64_t pos_ = 0, epoch_ = 0;
};
DETSEQ_REGISTER(DataLoader, ToyLoader, ToyLoaderOptions);

// ---- metric ------------------------------------------------------------------------------------
struct ToyMetricOptions {
  template <class V>
  void visit(V&) {}
};

class ToyMetric : public Metric {
 public:
  explicit ToyMetric(const ToyMetricOptions&) {}
  void reset(const Dataset&) override { sum_ = 0, count_ = 0; }
  void process(const Batch& batch, const std::vector<Detections>& dets) override {
    for (size_t i = 0; i < dets.size(); ++i) {
      sum_ += (dets[i].boxes[0] - batch.instances[i].boxes[0]).abs().mean().item<double>();
      ++count_;
    }
  }
  std::string serialize_results() const override {
    std::ostringstream os;
    os.precision(17);
    os << sum_ << " " << count_;
    return os.str();
  }
  void merge_results(const std::string& bytes) override {
    std::istringstream is(bytes);
    double s = 0;
    int64_t c = 0;
    is >> s >> c;
    sum_ += s;
    count_ += c;
  }
  std::map<std::string, double> compute() override {
    return {{"toy/mae", sum_ / std::max<int64_t>(count_, 1)}, {"toy/count", static_cast<double>(count_)}};
  }

 private:
  double sum_ = 0;
  int64_t count_ = 0;
};
DETSEQ_REGISTER(Metric, ToyMetric, ToyMetricOptions);

// ---- hooks -------------------------------------------------------------------------------------
struct RecorderHookOptions {
  template <class V>
  void visit(V&) {}
};
class RecorderHook : public Hook {
 public:
  explicit RecorderHook(const RecorderHookOptions&) {}
  void after_train_iter(Runner&, int64_t, const Batch&, const LossDict& losses) override {
    g_record().losses.push_back(total_loss(losses).item<double>());
  }
  void after_val_iter(Runner&, int64_t, const Batch& b, const std::vector<Detections>& d) override {
    EXPECT_EQ(static_cast<int64_t>(d.size()), b.size());
    g_record().val_batches.push_back(b.size());
  }
  void after_test_iter(Runner&, int64_t, const Batch&, const std::vector<Detections>& d) override {
    for (const auto& x : d) g_record().test_images.push_back(x.image_id);
  }
};
DETSEQ_REGISTER(Hook, RecorderHook, RecorderHookOptions);

struct StopAtHookOptions {
  int64_t at = 1;
  template <class V>
  void visit(V& v) {
    v("at", at);
  }
};
class StopAtHook : public Hook {
 public:
  explicit StopAtHook(const StopAtHookOptions& o) : at_(o.at) {}
  void after_train_iter(Runner& r, int64_t, const Batch&, const LossDict&) override {
    if (r.iter() == at_) r.request_stop("test stop");
  }

 private:
  int64_t at_;
};
DETSEQ_REGISTER(Hook, StopAtHook, StopAtHookOptions);

Config toy_config(const std::string& work_dir, const std::string& extra) {
  const std::string base = R"(
model: {type: ToyDetector, dropout: 0.1}
train_dataloader:
  type: ToyLoader
  batch_size: 2
  dataset: {type: ToyDataset, num_samples: 8}
val_dataloader:
  type: ToyLoader
  batch_size: 3
  shuffle: false
  dataset: {type: ToyDataset, num_samples: 8, noise: 0.0}
test_dataloader:
  type: ToyLoader
  batch_size: 3
  shuffle: false
  dataset: {type: ToyDataset, num_samples: 8, noise: 0.0}
val_evaluator: {type: ToyMetric}
test_evaluator: {type: ToyMetric}
optim_wrapper:
  optimizer: {type: AdamW, lr: 0.01, weight_decay: 0.05}
  clip_grad: {max_norm: 1.0}
param_scheduler:
  - {type: LinearLR, start_factor: 0.1, by_epoch: false, begin: 0, end: 3}
  - {type: MultiStepLR, milestones: [2], gamma: 0.5, by_epoch: true}
train_cfg: {by_epoch: true, max_epochs: 3, val_interval: 1}
default_hooks:
  logger: {type: LoggerHook, interval: 2}
custom_hooks:
  - {type: RecorderHook}
env_cfg: {seed: 7, num_threads: 1}
)";
  ConfigNode root = parse_yaml_string(base, "<toy>");
  if (!extra.empty()) merge_into(root, parse_yaml_string(extra, "<extra>"));
  root["work_dir"] = make_scalar(work_dir);
  Config c;
  c.root = root;
  c.filename = "toy.yaml";
  return c;
}

TEST(ToyComponents, LoaderShardsAndStartsMidEpoch) {
  ToyLoaderOptions o;
  o.dataset.node = parse_yaml_string("{type: ToyDataset, num_samples: 7}", "<t>");
  o.batch_size = 2;
  ToyLoader loader(o);
  EXPECT_EQ(loader.batches_per_epoch(), 4);
  loader.start_epoch(1, 0);
  std::vector<int64_t> all;
  while (auto b = loader.next())
    for (const auto& m : b->metas) all.push_back(m.image_id);
  loader.start_epoch(1, 2);
  std::vector<int64_t> tail;
  while (auto b = loader.next())
    for (const auto& m : b->metas) tail.push_back(m.image_id);
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(std::vector<int64_t>(all.begin() + 4, all.end()), tail);
}

}  // namespace detseq::test
