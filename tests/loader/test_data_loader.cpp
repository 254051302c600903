// DataLoader: same batches whatever num_workers, exact resume at a batch, repeats, collate masks,
// distributed split, aspect-ratio grouping.
#include <gtest/gtest.h>

#include <set>

#include "core/config/yaml_io.h"
#include "core/interfaces/data.h"
#include "core/util/error.h"
#include "datasets/loader/collate.h"
#include "datasets/samplers/batch_plan.h"

using namespace detseq;

namespace {

const std::string kTiny = std::string(DETSEQ_TEST_DATA) + "/coco_tiny8/";

std::shared_ptr<DataLoader> make_loader(const std::string& extra) {
  const std::string yaml = "type: DataLoader\nbatch_size: 3\nseed: 7\n" + extra +
                           "\ndataset:\n  type: CocoDataset\n  data_root: " + kTiny +
                           "\n  ann_file: annotations/instances.json\n  data_prefix: {img: images/}\n"
                           "  pipeline:\n"
                           "    - {type: LoadImageFromFile}\n"
                           "    - {type: RandomResize, scale: [[96, 64]], ratio_range: [0.5, 1.5]}\n"
                           "    - {type: RandomFlip, prob: 0.5}\n"
                           "    - {type: PhotoMetricDistortion}\n"
                           "    - {type: Normalize, mean: [0, 0, 0], std: [255, 255, 255]}\n"
                           "    - {type: PackDetInputs}\n";
  return build<DataLoader>(parse_yaml_string(yaml, "<test>"), "train_dataloader");
}

std::vector<Batch> epoch_batches(DataLoader& loader, int64_t epoch, int64_t start = 0) {
  loader.start_epoch(epoch, start);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

void expect_same(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(a[i].images.sizes() == b[i].images.sizes()) << i;
    EXPECT_TRUE(torch::equal(a[i].images, b[i].images)) << i;
    EXPECT_TRUE(torch::equal(a[i].masks, b[i].masks)) << i;
    for (size_t j = 0; j < a[i].metas.size(); ++j) {
      EXPECT_EQ(a[i].metas[j].image_id, b[i].metas[j].image_id);
      EXPECT_TRUE(torch::equal(a[i].instances[j].boxes, b[i].instances[j].boxes));
    }
  }
}

}  // namespace

TEST(DataLoader, SameBatchesForAnyWorkerCount) {
  auto serial = make_loader("num_workers: 0");
  auto two = make_loader("num_workers: 2\nprefetch: 3");
  auto four = make_loader("num_workers: 4\nprefetch: 1");
  auto a = epoch_batches(*serial, 1), b = epoch_batches(*two, 1), c = epoch_batches(*four, 1);
  EXPECT_EQ(serial->batches_per_epoch(), 3);
  expect_same(a, b);
  expect_same(a, c);
  // A new epoch reshuffles.
  auto d = epoch_batches(*two, 2);
  std::vector<int64_t> ids1, ids2;
  for (auto& bt : a)
    for (auto& m : bt.metas) ids1.push_back(m.image_id);
  for (auto& bt : d)
    for (auto& m : bt.metas) ids2.push_back(m.image_id);
  EXPECT_NE(ids1, ids2);
  EXPECT_EQ(std::set<int64_t>(ids1.begin(), ids1.end()).size(), 8u);
}

TEST(DataLoader, ResumeAtBatchGivesTheSameRemainingBatches) {
  auto loader = make_loader("num_workers: 2");
  auto full = epoch_batches(*loader, 3);
  auto tail = epoch_batches(*loader, 3, 1);
  ASSERT_EQ(tail.size(), full.size() - 1);
  expect_same(std::vector<Batch>(full.begin() + 1, full.end()), tail);
  // Stopping mid-epoch (batches in flight) and restarting is safe.
  loader->start_epoch(0, 0);
  loader->next();
  EXPECT_EQ(epoch_batches(*loader, 3, 2).size(), 1u);
  EXPECT_THROW(loader->start_epoch(0, 10), Error);
}

TEST(DataLoader, RepeatsAreIndependentAugmentationsOfTheSameImage) {
  auto loader = make_loader("num_workers: 2\nnum_repeats: 2\nshuffle: false\ndrop_last: true");
  auto batches = epoch_batches(*loader, 0);
  ASSERT_EQ(batches.size(), 2u);  // 8 images, 3 per batch, last dropped
  const Batch& b = batches[0];
  ASSERT_EQ(b.size(), 6);
  for (int i = 0; i < 6; i += 2) EXPECT_EQ(b.metas[i].image_id, b.metas[i + 1].image_id);
  bool any_diff = false;
  for (int i = 0; i < 6; i += 2) {
    const auto& m0 = b.metas[i];
    const auto& m1 = b.metas[i + 1];
    any_diff = any_diff || m0.img_width != m1.img_width || m0.flipped != m1.flipped;
  }
  EXPECT_TRUE(any_diff);
}

TEST(DataLoader, InfiniteSamplerCrossesEpochs) {
  auto loader = make_loader("num_workers: 1\nsampler: {type: InfiniteSampler}");
  loader->start_epoch(0, 0);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(loader->next());
  auto resumed = make_loader("num_workers: 0\nsampler: {type: InfiniteSampler}");
  resumed->start_epoch(0, 4);  // iteration 4 = epoch 1, batch 1
  auto direct = make_loader("num_workers: 0\nsampler: {type: InfiniteSampler}");
  direct->start_epoch(1, 1);
  EXPECT_TRUE(torch::equal(resumed->next()->images, direct->next()->images));
}

TEST(DataLoader, OptionErrors) {
  EXPECT_THROW(make_loader("sampler: {type: Foo}"), Error);
  EXPECT_THROW(make_loader("batch_sise: 2"), Error);
  EXPECT_THROW(make_loader("num_repeats: 0"), Error);
}

TEST(Collate, PadsToLargestAndMasksPadding) {
  std::vector<Sample> s(2);
  s[0].image = torch::ones({3, 4, 5});
  s[0].meta.img_height = 4, s[0].meta.img_width = 5;
  s[1].image = torch::ones({3, 6, 3});
  s[1].meta.img_height = 5, s[1].meta.img_width = 3;  // a Pad transform added the last row
  for (auto& x : s) x.instances = Instances::empty();
  Batch b = collate(s, -1.0, 4);
  ASSERT_EQ(b.images.sizes(), (std::vector<int64_t>{2, 3, 8, 8}));
  EXPECT_EQ(b.masks[0].logical_not().sum().item<int64_t>(), 20);
  EXPECT_EQ(b.masks[1].logical_not().sum().item<int64_t>(), 15);
  EXPECT_TRUE(b.masks[1][5][0].item<bool>());
  EXPECT_EQ(b.images[0][0][7][7].item<float>(), -1.0f);
  // Every pixel is either the image's (1) or padding (-1): 60 and 54 image pixels out of 192.
  EXPECT_EQ(b.images[0].sum().item<float>(), 60 - 132);
  EXPECT_EQ(b.images[1].sum().item<float>(), 54 - 138);
  EXPECT_EQ(b.images.abs().eq(1).all().item<bool>(), true);
  EXPECT_EQ(b.metas[0].pad_height, 8);
}

TEST(BatchPlan, DistributedSplitIsEvenAndCoversEverything) {
  SamplerSpec spec;
  spec.batch_size = 2;
  spec.world_size = 3;
  std::multiset<int64_t> all;
  size_t per_rank = 0;
  for (int r = 0; r < 3; ++r) {
    spec.rank = r;
    auto idx = rank_indices(spec, 10, 4);
    if (r == 0) per_rank = idx.size();
    EXPECT_EQ(idx.size(), per_rank);
    all.insert(idx.begin(), idx.end());
  }
  EXPECT_EQ(per_rank, 4u);  // 10 padded to 12: two repeats, marked as index + 10
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(all.count(i), 1u);
  std::vector<int64_t> repeats;
  for (int64_t i : all)
    if (is_padding_repeat(i, 10)) repeats.push_back(original_index(i, 10));
  ASSERT_EQ(repeats.size(), 2u);
  for (int64_t i : repeats) EXPECT_LT(i, 10);
  spec.rank = 0;
  EXPECT_NE(rank_indices(spec, 10, 4), rank_indices(spec, 10, 5));
}

TEST(BatchPlan, RoundUpFalseSplitsUnevenlyWithoutRepeats) {
  SamplerSpec spec;
  spec.world_size = 3;
  spec.round_up = false;
  std::multiset<int64_t> all;
  std::vector<size_t> sizes;
  for (int r = 0; r < 3; ++r) {
    spec.rank = r;
    auto idx = rank_indices(spec, 10, 0);
    sizes.push_back(idx.size());
    all.insert(idx.begin(), idx.end());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 3, 3}));
  EXPECT_EQ(all, (std::multiset<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(BatchPlan, AspectRatioGroupingKeepsOrientationTogether) {
  SamplerSpec spec;
  spec.batch_size = 2;
  spec.aspect_ratio_grouping = true;
  auto wide = [](int64_t i) { return i % 3 == 0; };
  auto batches = plan_batches(spec, 12, 0, wide);
  size_t total = 0;
  for (size_t k = 0; k < batches.size(); ++k) {
    total += batches[k].size();
    if (batches[k].size() == 2 && k + 1 < batches.size()) {
      EXPECT_EQ(wide(batches[k][0]), wide(batches[k][1]));
    }
  }
  EXPECT_EQ(total, 12u);
}
