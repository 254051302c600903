// DataLoader: in-process loading on a TBB arena of num_workers threads (no fork). Each batch is
// one task (its samples in parallel inside it); up to `prefetch` batches are in flight ahead of
// the consumer, and batches are handed out strictly in order. Every sample's randomness comes
// from sample_rng(seed, epoch, index, repeat), so batches are identical for any num_workers.
// The arena's threads are reserved process-wide (worker_threads.h), so loaders never cap each
// other or the rest of the process, and loading runs with LibTorch's intra-op threads off.
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <opencv2/core/utility.hpp>

#include <condition_variable>
#include <map>
#include <mutex>

#include "core/dist/dist.h"
#include "core/interfaces/data.h"
#include "core/interfaces/sampler.h"
#include "core/logging/logging.h"
#include "core/util/error.h"
#include "datasets/base/det_dataset.h"
#include "datasets/loader/collate.h"
#include "datasets/loader/worker_threads.h"
#include "datasets/samplers/batch_plan.h"

namespace detseq {

struct DataLoaderOptions {
  ComponentCfg dataset;
  int64_t batch_size = 1;
  int64_t num_workers = 0;
  std::optional<bool> shuffle;
  ComponentCfg sampler = ComponentCfg::of("DefaultSampler");
  ComponentCfg batch_sampler = ComponentCfg::of("BatchSampler");
  int64_t seed = 0;
  int64_t num_repeats = 1;
  bool aspect_ratio_grouping = false;
  bool drop_last = false;
  int64_t prefetch = 2;
  double pad_value = 0.0;
  int64_t pad_size_divisor = 1;
  bool persistent_workers = true;
  template <class V>
  void visit(V& v) {
    v.required("dataset", dataset, "the dataset config {type: CocoDataset, ...}");
    v("batch_size", batch_size, "distinct images per batch (per rank); a batch holds batch_size * num_repeats samples")
        .positive();
    v("num_workers", num_workers, "loader threads (0: load in the calling thread)").non_negative();
    v("shuffle", shuffle, "shorthand for sampler.shuffle");
    v("sampler", sampler, "sampler: DefaultSampler | InfiniteSampler {shuffle, round_up}");
    v("batch_sampler", batch_sampler, "batch_sampler: BatchSampler | AspectRatioBatchSampler (groups by orientation)");
    v("seed", seed, "shuffling and augmentation seed (with epoch, index and repeat)");
    v("num_repeats", num_repeats, "independent augmentations of each image in a batch (Pix2Seq: 2)").positive();
    v("aspect_ratio_grouping", aspect_ratio_grouping, "shorthand for batch_sampler: {type: AspectRatioBatchSampler}");
    v("drop_last", drop_last, "drop the last incomplete batch");
    v("prefetch", prefetch, "batches prepared ahead of the consumer").positive();
    v("pad_value", pad_value, "value of collate padding (mask marks it)");
    v("pad_size_divisor", pad_size_divisor, "pad batch height/width to a multiple of this").positive();
    v("persistent_workers", persistent_workers, "accepted for mmengine configs: loader threads always persist");
  }
};

class ThreadedDataLoader : public DataLoader {
 public:
  explicit ThreadedDataLoader(const DataLoaderOptions& o) : o_(o) {
    ComponentCfg sampler = o.sampler;
    // `shuffle:` of the loader is the sampler's default (mmengine's DataLoader(shuffle=...)).
    if (o.shuffle && sampler.node.is_map() && !sampler.node.has("shuffle")) sampler.node["shuffle"] = make_scalar(*o.shuffle);
    sampler_ = build<Sampler>(sampler);
    infinite_ = sampler_->infinite();
    ComponentCfg batch_sampler = o.batch_sampler;
    // `batch_sampler: null` is mmengine's "plain batches" (torch's default BatchSampler).
    if (batch_sampler.node.is_null()) {
      const std::string path = batch_sampler.path;
      batch_sampler = ComponentCfg::of("BatchSampler");
      batch_sampler.path = path;
    }
    const ConfigNode* bs_type = batch_sampler.node.is_map() ? batch_sampler.node.find("type") : nullptr;
    if (o.aspect_ratio_grouping && bs_type && bs_type->is_scalar() && bs_type->scalar_value() == "BatchSampler") {
      batch_sampler.node["type"] = make_scalar("AspectRatioBatchSampler");
    }
    batch_sampler_ = build<BatchSampler>(batch_sampler);
    context_.seed = static_cast<uint64_t>(o.seed);
    context_.rank = dist::rank();
    context_.world_size = dist::world_size();
    dataset_ = build<Dataset>(o.dataset);
    if (o.num_workers > 0) {
      workers_ = std::make_unique<LoaderWorkerReservation>(o.num_workers);
      arena_ = std::make_unique<tbb::task_arena>(static_cast<int>(o.num_workers), 0);
      // The workers already run one sample each: OpenCV's own parallel_for inside a transform
      // would oversubscribe the cores (and hands stack data to threads TSan cannot follow).
      // mmengine does the same with its default env_cfg.mp_cfg.opencv_num_threads = 0.
      cv::setNumThreads(0);
    }
    start_epoch(0, 0);
  }

  ~ThreadedDataLoader() override { drain(); }

  void start_epoch(int64_t epoch, int64_t start_at_batch) override {
    drain();
    if (start_at_batch < 0) throw Error("DataLoader: start_at_batch must be >= 0");
    if (infinite_ && batches_per_epoch() > 0) {  // an iteration count may span epochs
      epoch += start_at_batch / batches_per_epoch();
      start_at_batch %= batches_per_epoch();
    }
    plan(epoch);
    if (start_at_batch > static_cast<int64_t>(batches_.size()))
      throw Error("DataLoader: cannot start epoch " + std::to_string(epoch) + " at batch " + std::to_string(start_at_batch) +
                  ", it has " + std::to_string(batches_.size()));
    cursor_ = submitted_ = start_at_batch;
  }

  std::optional<Batch> next() override {
    while (true) {
      if (cursor_ >= static_cast<int64_t>(batches_.size())) {
        report_bad_samples();
        if (!infinite_ || batches_.empty()) return std::nullopt;
        drain();
        plan(epoch_ + 1);
        cursor_ = submitted_ = 0;
      }
      std::optional<Batch> batch = arena_ ? take_async() : make_batch(epoch_, batches_[cursor_]);
      ++cursor_;
      if (batch) return batch;  // else every sample of the batch was skipped (test mode): go on
    }
  }

  int64_t batches_per_epoch() const override { return static_cast<int64_t>(batches_size_); }
  Dataset& dataset() override { return *dataset_; }

 private:
  struct Slot {
    bool done = false;
    std::optional<Batch> batch;
    std::exception_ptr error;
  };

  void plan(int64_t epoch) {
    epoch_ = epoch;
    const int64_t n = static_cast<int64_t>(dataset_->size());
    SamplerContext context = context_;
    context.dataset_size = n;
    context.epoch = epoch;
    batches_ = batch_sampler_->batches(sampler_->indices(context), n, o_.batch_size, o_.drop_last, [this](int64_t i) {
      return dataset_->aspect_ratio(static_cast<size_t>(i)) >= 1.0;
    });
    batches_size_ = batches_.size();
  }

  std::optional<Batch> make_batch(int64_t epoch, const std::vector<int64_t>& indices) {
    const int64_t R = o_.num_repeats;
    const int64_t total = static_cast<int64_t>(indices.size()) * R;
    std::vector<std::optional<Sample>> loaded(total);
    const int64_t n = static_cast<int64_t>(dataset_->size());
    auto load = [&](int64_t k) {
      std::optional<SerialIntraOp> serial;  // on a worker thread (the parallel_for's helpers too)
      if (arena_) serial.emplace();
      const int64_t idx = original_index(indices[k / R], n), rep = k % R;
      const uint64_t seed =
          derive_seed(context_.seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(idx), static_cast<uint64_t>(rep));
      Rng rng(seed);
      loaded[k] = dataset_->get(static_cast<size_t>(idx), rng);
      // Model-side randomness (e.g. Pix2Seq's noise objects) derives from the same seed, so it is
      // reproducible per (seed, epoch, index, repeat) and survives an exact resume.
      if (loaded[k]) {
        loaded[k]->meta.sample_seed = mix_seed(seed);
        loaded[k]->meta.padding_repeat = is_padding_repeat(indices[k / R], n);
      }
    };
    if (arena_ && total > 1) {
      tbb::parallel_for(int64_t(0), total, load);  // runs inside the arena of the calling task
    } else {
      for (int64_t k = 0; k < total; ++k) load(k);
    }
    std::vector<Sample> samples;
    samples.reserve(total);
    for (auto& s : loaded)
      if (s) samples.push_back(std::move(*s));
    if (samples.empty()) return std::nullopt;
    return collate(samples, o_.pad_value, o_.pad_size_divisor);
  }

  void submit_ahead() {
    const int64_t limit = std::min<int64_t>(cursor_ + o_.prefetch, static_cast<int64_t>(batches_.size()));
    for (; submitted_ < limit; ++submitted_) {
      const int64_t k = submitted_, epoch = epoch_;
      std::vector<int64_t> indices = batches_[k];
      {
        std::lock_guard<std::mutex> lock(mutex_);
        slots_[k] = Slot{};
        ++in_flight_;
      }
      arena_->enqueue([this, k, epoch, indices = std::move(indices)] {
        Slot result;
        try {
          SerialIntraOp serial;  // collate too
          result.batch = make_batch(epoch, indices);
        } catch (...) {
          result.error = std::current_exception();
        }
        result.done = true;
        std::lock_guard<std::mutex> lock(mutex_);
        slots_[k] = std::move(result);
        --in_flight_;
        cv_.notify_all();
      });
    }
  }

  std::optional<Batch> take_async() {
    submit_ahead();
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return slots_[cursor_].done; });
    Slot slot = std::move(slots_[cursor_]);
    slots_.erase(cursor_);
    lock.unlock();
    submit_ahead();
    if (slot.error) {
      drain();
      std::rethrow_exception(slot.error);
    }
    return std::move(slot.batch);
  }

  // Waits for every in-flight batch (they reference this loader) and forgets their results.
  void drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    slots_.clear();
    submitted_ = cursor_;
  }

  void report_bad_samples() {
    if (auto* det = dynamic_cast<DetDataset*>(dataset_.get())) {
      const int64_t bad = det->bad_sample_count();
      if (bad > reported_bad_) {
        DETSEQ_WARN("data loader: {} bad sample(s) skipped so far (epoch {})", bad, epoch_);
        reported_bad_ = bad;
      }
    }
  }

  DataLoaderOptions o_;
  std::shared_ptr<Sampler> sampler_;
  std::shared_ptr<BatchSampler> batch_sampler_;
  SamplerContext context_;
  bool infinite_ = false;
  std::shared_ptr<Dataset> dataset_;
  std::unique_ptr<LoaderWorkerReservation> workers_;  // declared before arena_: released after it
  std::unique_ptr<tbb::task_arena> arena_;
  std::vector<std::vector<int64_t>> batches_;
  size_t batches_size_ = 0;
  int64_t epoch_ = 0, cursor_ = 0, submitted_ = 0;
  int64_t reported_bad_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<int64_t, Slot> slots_;
  int64_t in_flight_ = 0;
};

DETSEQ_REGISTER_AS(DataLoader, ThreadedDataLoader, DataLoaderOptions, "DataLoader",
                   "batches from a dataset on TBB threads: sampler, prefetch, repeats, collate");

}  // namespace detseq
