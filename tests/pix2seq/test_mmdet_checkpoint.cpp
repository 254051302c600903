// The mmdetection port's released state_dict layout loads into our whole Pix2Seq model strictly
// through the checkpoint_mapping of configs/pix2seq/pix2seq_r50_mmdet_300e_coco.yaml (the path
// `detseq test CONFIG CHECKPOINT` and load_from take).
// The checkpoint is made by fixtures/make_mmdet_pix2seq_checkpoint.py (random weights, exact
// names and shapes of Sharpiless/Pix2seq-mmdetection).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/config/config.h"
#include "core/io/checkpoint.h"
#include "core/io/pretrained.h"
#include "models/detectors/composed_detector.h"
#include "models/heads/pix2seq_head.h"

using namespace detseq;

TEST(MmdetCheckpoint, PortCheckpointLoadsStrictlyThroughTheConfigsMapping) {
  const auto dir = std::filesystem::temp_directory_path() / ("detseq_p2s_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ckpt = (dir / "port.pth").string();
  const std::string cmd = std::string("/usr/bin/python3 ") + DETSEQ_SOURCE_DIR +
                          "/tests/pix2seq/fixtures/make_mmdet_pix2seq_checkpoint.py " + ckpt;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  const Config config =
      load_config(std::string(DETSEQ_SOURCE_DIR) + "/configs/pix2seq/pix2seq_r50_mmdet_300e_coco.yaml");
  auto model = std::dynamic_pointer_cast<ComposedDetector>(build<Detector>(*config.find("model"), "model"));
  ASSERT_TRUE(model);
  const io::LoadReport report = io::load_model_checkpoint(*model, io::read_checkpoint(ckpt), ckpt,
                                                          io::model_checkpoint_mapping(config.root), /*strict=*/true);
  EXPECT_TRUE(report.clean()) << report.summary();
  EXPECT_EQ(report.loaded, 265u + 190u);  // ResNet-50 with frozen BN + the head (empty_weight ignored)

  // Values arrive where they belong: the fused decoder qkv becomes in_proj_weight unchanged.
  auto state = io::extract_state_dict(io::read_checkpoint(ckpt), {}, ckpt);
  auto params = model->named_parameters();
  EXPECT_TRUE(torch::equal(params["head.decoder.3.self_attn.in_proj_weight"],
                           state["bbox_head.transformer.decoder.layers.3.attentions.0.attn.qkv.weight"]));
  EXPECT_TRUE(torch::equal(params["head.prompt_embed"], state["bbox_head.det_embed.weight"]));
  EXPECT_TRUE(torch::equal(params["head.input_norm.weight"], state["bbox_head.input_proj.1.weight"]));
  auto buffers = model->named_buffers();
  EXPECT_TRUE(torch::equal(buffers["backbone.layer4.2.bn3.running_var"], state["backbone.layer4.2.bn3.running_var"]));
  std::filesystem::remove_all(dir);
}
