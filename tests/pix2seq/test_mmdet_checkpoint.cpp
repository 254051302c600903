// The mmdetection port's released state_dict layout loads into our Pix2Seq head with zero
// missing keys through the rename rules of configs/pix2seq/pix2seq_r50_mmdet_300e_coco.yaml.
// The checkpoint is made by fixtures/make_mmdet_pix2seq_checkpoint.py (random weights, exact
// names and shapes of Sharpiless/Pix2seq-mmdetection).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/config/config.h"
#include "core/io/checkpoint.h"
#include "core/io/pretrained.h"
#include "models/heads/pix2seq_head.h"

using namespace detseq;

TEST(MmdetCheckpoint, PortHeadLoadsWithZeroMissingKeys) {
  const auto dir = std::filesystem::temp_directory_path() / ("detseq_p2s_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ckpt = (dir / "port.pth").string();
  const std::string cmd = std::string("/usr/bin/python3 ") + DETSEQ_SOURCE_DIR +
                          "/tests/pix2seq/fixtures/make_mmdet_pix2seq_checkpoint.py " + ckpt + " --head-only";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  const Config config =
      load_config(std::string(DETSEQ_SOURCE_DIR) + "/configs/pix2seq/pix2seq_r50_mmdet_300e_coco.yaml");
  auto head = std::dynamic_pointer_cast<Pix2SeqHead>(build<Head>(*config.find("model.head"), "model.head"));
  ASSERT_TRUE(head);
  std::string path;
  io::LoadOptions options = io::read_pretrained_options(*config.find("mmdet_checkpoint.head"), "mmdet_checkpoint.head", &path);
  const io::LoadReport report = io::load_checkpoint_into(*head, ckpt, options);
  EXPECT_TRUE(report.missing.empty()) << report.summary();
  EXPECT_TRUE(report.mismatched.empty()) << report.summary();
  ASSERT_EQ(report.unexpected.size(), 1u) << report.summary();
  EXPECT_EQ(report.unexpected[0], "empty_weight");  // the port's CE class weights: a loss constant

  // Values arrive where they belong: the fused decoder qkv becomes in_proj_weight unchanged.
  auto state = io::extract_state_dict(io::read_checkpoint(ckpt), {}, ckpt);
  auto params = head->named_parameters();
  EXPECT_TRUE(torch::equal(params["decoder.3.self_attn.in_proj_weight"],
                           state["bbox_head.transformer.decoder.layers.3.attentions.0.attn.qkv.weight"]));
  EXPECT_TRUE(torch::equal(params["prompt_embed"], state["bbox_head.det_embed.weight"]));
  EXPECT_TRUE(torch::equal(params["input_norm.weight"], state["bbox_head.input_proj.1.weight"]));
  std::filesystem::remove_all(dir);
}
