// Two loaders alive at once, as a training with validation has them (train: 2 workers, val: 1):
// both deliver their batches in order, their workers run at the same time, no loader caps TBB's
// process-wide limit, and loader tasks run without LibTorch intra-op threads.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"

using namespace detseq;

namespace {

// What ThreadProbe saw: applies running at once, their peak, the largest intra-op thread count.
struct Probe {
  std::mutex m;
  std::condition_variable cv;
  int active = 0, peak = 0, max_intra_op = 0;
  int rendezvous = 0;  // > 0: applies wait until this many run at once (or 20 s pass)
};
Probe& probe() {
  static Probe p;
  return p;
}

struct ThreadProbeOptions {
  template <class V>
  void visit(V&) {}
};
class ThreadProbe : public Transform {
 public:
  explicit ThreadProbe(const ThreadProbeOptions&) {}
  bool apply(Sample&, Rng&) override {
    Probe& p = probe();
    std::unique_lock<std::mutex> lock(p.m);
    p.max_intra_op = std::max(p.max_intra_op, at::get_num_threads());
    p.peak = std::max(p.peak, ++p.active);
    if (p.rendezvous > 0 && p.active < p.rendezvous) {
      p.cv.wait_for(lock, std::chrono::seconds(20), [&] { return p.rendezvous == 0; });
    }
    p.rendezvous = 0;  // met (or timed out): nobody waits any more
    p.cv.notify_all();
    --p.active;
    return true;
  }
};
DETSEQ_REGISTER(Transform, ThreadProbe, ThreadProbeOptions);

std::shared_ptr<DataLoader> probe_loader(int workers, int prefetch, bool shuffle) {
  const std::string yaml = "type: DataLoader\nbatch_size: 1\nseed: 3\nnum_workers: " + std::to_string(workers) +
                           "\nprefetch: " + std::to_string(prefetch) + "\nshuffle: " + (shuffle ? "true" : "false") +
                           "\ndataset:\n  type: CocoDataset\n  data_root: " + std::string(DETSEQ_TEST_DATA) +
                           "/coco_tiny8/\n  ann_file: annotations/instances.json\n  data_prefix: {img: images/}\n"
                           "  pipeline:\n"
                           "    - {type: LoadImageFromFile}\n"
                           "    - {type: ThreadProbe}\n"
                           "    - {type: RandomFlip, prob: 0.5}\n"
                           "    - {type: Normalize, mean: [0, 0, 0], std: [255, 255, 255]}\n"
                           "    - {type: PackDetInputs}\n";
  return build<DataLoader>(parse_yaml_string(yaml, "<test>"), "loader");
}

std::vector<Batch> all_batches(DataLoader& loader, int64_t epoch) {
  loader.start_epoch(epoch, 0);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

void expect_same(const std::vector<Batch>& got, const std::vector<Batch>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].metas.at(0).image_id, want[i].metas.at(0).image_id) << what << " batch " << i;
    EXPECT_TRUE(torch::equal(got[i].images, want[i].images)) << what << " batch " << i;
  }
}

size_t tbb_limit() { return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism); }

}  // namespace

TEST(DataLoader, TwoLiveLoadersDoNotCapEachOtherOrTheProcess) {
  const int intra_op_before = at::get_num_threads();
  at::set_num_threads(2);
  const auto base = static_cast<size_t>(tbb::info::default_concurrency());
  {
    auto train = probe_loader(2, 2, true);
    auto val = probe_loader(1, 1, false);
    EXPECT_GE(tbb_limit(), std::max<size_t>(base, 1 + 2 + 1)) << "a loader capped the process";
    EXPECT_EQ(static_cast<size_t>(tbb::this_task_arena::max_concurrency()), base);

    // Train's two prefetched batches and val's first one must be loading at the same time.
    {
      std::lock_guard<std::mutex> lock(probe().m);
      probe().rendezvous = 3;
      probe().peak = probe().max_intra_op = 0;
    }
    std::optional<Batch> first_val;
    std::thread val_thread([&] { first_val = val->next(); });
    const std::optional<Batch> first_train = train->next();
    val_thread.join();
    ASSERT_TRUE(first_train && first_val);
    EXPECT_EQ(probe().peak, 3) << "the loaders' workers did not all run at once";
    EXPECT_EQ(probe().max_intra_op, 1) << "intra-op threads inside a loader task";
    EXPECT_EQ(at::get_num_threads(), 2) << "the caller's intra-op threads changed";

    // Interleaved, each delivers exactly what it delivers alone, in order.
    train->start_epoch(1, 0);
    val->start_epoch(0, 0);
    std::vector<Batch> train_got, val_got;
    for (bool more = true; more;) {
      auto t = train->next();
      auto v = val->next();
      more = t || v;
      if (t) train_got.push_back(std::move(*t));
      if (v) val_got.push_back(std::move(*v));
    }
    auto serial_train = probe_loader(0, 1, true);
    auto serial_val = probe_loader(0, 1, false);
    {
      std::lock_guard<std::mutex> lock(probe().m);
      probe().max_intra_op = 0;
    }
    expect_same(train_got, all_batches(*serial_train, 1), "train");
    expect_same(val_got, all_batches(*serial_val, 0), "val");
    EXPECT_EQ(train_got.size(), 8u);
    EXPECT_EQ(probe().max_intra_op, 2) << "num_workers: 0 loads in the caller's thread, with its threads";
  }
  EXPECT_EQ(tbb_limit(), base) << "the loaders' reservation outlived them";
  at::set_num_threads(intra_op_before);
}
