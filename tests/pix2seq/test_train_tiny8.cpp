// A Pix2Seq training run on real images: the small CPU config (ResNet-18, 320 px) on the bundled
// coco_tiny8 images through the real CocoDataset pipeline; the loss on a fixed batch must drop.
#include <gtest/gtest.h>

#include <torch/optim/adamw.h>

#include "core/config/config.h"
#include "core/interfaces/data.h"
#include "core/interfaces/model.h"

using namespace detseq;

TEST(Pix2SeqTiny8, TrainingStepsLowerTheLossOnRealImages) {
  torch::set_num_threads(2);
  torch::manual_seed(0);
  const Config config = load_config(
      std::string(DETSEQ_SOURCE_DIR) + "/configs/pix2seq/pix2seq_r18_320_tiny8_cpu.yaml",
      {std::string("data_root=") + DETSEQ_TEST_DATA + "/coco_tiny8/", "train_dataloader.batch_size=2",
       "train_dataloader.num_workers=0",
       // 160 px keeps the test to seconds on two cores.
       "train_pipeline.3.output_size=160", "train_pipeline.5.size=[160, 160]"});
  ConfigNode loader_cfg = *config.find("train_dataloader");
  loader_cfg["type"] = make_scalar(std::string("DataLoader"));  // the runner's default loader type
  auto loader = build<DataLoader>(loader_cfg, "train_dataloader");
  loader->start_epoch(0);
  auto batch = loader->next();
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->images.size(2), 160);
  int64_t objects = 0;
  for (const auto& inst : batch->instances) objects += inst.targets().size();
  ASSERT_GT(objects, 0);

  auto model = build<Detector>(*config.find("model"), "model");
  model->train();
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3).betas({0.9, 0.95}));
  double first = 0, last = 0;
  for (int step = 0; step < 5; ++step) {
    auto loss = total_loss(model->loss(*batch));
    ASSERT_TRUE(std::isfinite(loss.item<double>()));
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  EXPECT_LT(last, first * 0.9) << first << " -> " << last;
}
