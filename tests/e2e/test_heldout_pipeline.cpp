// The main job's path (tools/main_job.sh) in miniature, through the `detseq` binary: make-dataset
// writes Fashion-MNIST items and scenes -> the backbone pre-trains on item classification (its
// Accuracy is logged) -> Pix2Seq trains on the train scenes from that backbone (init_cfg loads it
// strictly) -> `detseq test --show-dir` on the held-out val scenes writes pictures and COCO metrics.
// Tiny sets and one epoch each, so it checks the plumbing, not the AP (see docs/model_zoo.md).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_named(const fs::path& root, const std::string& name) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == name) out.push_back(e.path());
  return out;
}

}  // namespace

TEST(HeldOutPipeline, MakeDatasetPretrainTrainTest) {
  const fs::path dir = fs::temp_directory_path() / "detseq_e2e_heldout";
  fs::remove_all(dir);
  const fs::path scenes = dir / "scenes", items = dir / "items";
  setenv("DETSEQ_FMNIST_ROOT", (scenes.string() + "/").c_str(), 1);
  setenv("DETSEQ_FMNIST_ITEMS_ROOT", (items.string() + "/").c_str(), 1);
  auto r = detseq::test::run_detseq("make-dataset fashion-mnist --out " + scenes.string() +
                                    " --size 128 --objects 1-4 --scale 24-64 --train 24 --val 8");
  ASSERT_EQ(r.code, 0) << r.out;
  r = detseq::test::run_detseq("make-dataset fashion-mnist --out " + items.string() +
                               " --size 64 --objects 1 --scale 24-64 --train 128 --val 32");
  ASSERT_EQ(r.code, 0) << r.out;

  const std::string common = " env_cfg.num_threads=2 train_cfg.max_epochs=1 train_cfg.val_interval=1"
                             " default_hooks.checkpoint.interval=1 param_scheduler=[] custom_hooks=[]";
  const fs::path pre = dir / "pretrain";
  r = detseq::test::run_detseq("train configs/recipes/plainconv_fmnist_items_cls_quickstart.yaml --work-dir " +
                               pre.string() + " --cfg-options" + common + " train_dataloader.batch_size=32");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("accuracy/top1"), std::string::npos) << r.out;
  const fs::path backbone = pre / "epoch_1.pth";
  ASSERT_TRUE(fs::exists(backbone)) << r.out;

  const fs::path work = dir / "pix2seq";
  const std::string pix2seq_options = " --cfg-options" + common + " model.backbone.init_cfg.checkpoint=" + backbone.string();
  r = detseq::test::run_detseq("train configs/recipes/pix2seq_plainconv_fmnist128_quickstart.yaml --work-dir " +
                               work.string() + pix2seq_options);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("model.backbone.init_cfg: loaded"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(work / "epoch_1.pth")) << r.out;

  const fs::path show = dir / "show";
  r = detseq::test::run_detseq("test configs/recipes/pix2seq_plainconv_fmnist128_quickstart.yaml " +
                               (work / "epoch_1.pth").string() + " --work-dir " + (dir / "test").string() +
                               " --show-dir " + show.string() + pix2seq_options);
  ASSERT_EQ(r.code, 0) << r.out;
  size_t pictures = 0;
  for (const auto& e : fs::directory_iterator(show)) pictures += e.is_regular_file();
  EXPECT_EQ(pictures, 8u) << "one picture per held-out val scene";
  const auto metrics = files_named(dir / "test", "metrics.json");
  ASSERT_EQ(metrics.size(), 1u) << r.out;
  const auto m = nlohmann::json::parse(std::ifstream(metrics[0]));
  ASSERT_TRUE(m.contains("coco/bbox_mAP")) << m.dump();
  EXPECT_GE(m["coco/bbox_mAP"].get<double>(), 0.0);
  fs::remove_all(dir);
}
