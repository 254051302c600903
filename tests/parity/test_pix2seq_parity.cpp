// Pix2Seq training-step parity: the deterministic training sequence (no shuffle, no noise objects,
// no class corruption) equals the one fixtures/make_parity.py writes, and 5 AdamW steps (weight
// decay, grad clipping, backbone lr_mult 0.1) of the token-weighted sequence loss give the same
// losses and final parameters as its PyTorch implementation, within 1e-4 (losses relative,
// parameters max abs).
#include "models/heads/pix2seq_head.h"
#include "models/detectors/composed_detector.h"
#include "tests/parity/parity.h"

using namespace detseq;

namespace {
const char* kConfig = "tests/parity/configs/pix2seq_parity.yaml";
}

TEST(TrainingParity, Pix2SeqSequenceMatchesPyTorch) {
  const std::string dir = test::parity_reference_dir("pix2seq");
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  Config cfg = load_config(std::string(DETSEQ_SOURCE_DIR) + "/" + kConfig, {"model.init_cfg=null"});
  auto model = std::dynamic_pointer_cast<ComposedDetector>(build<Detector>(cfg.root.at("model"), "model"));
  ASSERT_TRUE(model);
  auto head = std::dynamic_pointer_cast<Pix2SeqHead>(model->head());
  ASSERT_TRUE(head);
  const Batch batch = test::load_parity_batch(dir);
  auto seqs = head->sequence_builder().build(batch.instances, batch.images.size(2), batch.images.size(3),
                                             head->tokenizer(), {1, 2});
  auto ref = test::load_tensors(dir + "/steps.pth");
  EXPECT_TRUE(seqs.input.equal(ref.at("seq.input"))) << seqs.input << "\n" << ref.at("seq.input");
  EXPECT_TRUE(seqs.target.equal(ref.at("seq.target"))) << seqs.target << "\n" << ref.at("seq.target");
  EXPECT_TRUE(seqs.weight.equal(ref.at("seq.weight"))) << seqs.weight << "\n" << ref.at("seq.weight");
}

TEST(TrainingParity, Pix2SeqStepsMatchPyTorch) {
  const std::string dir = test::parity_reference_dir("pix2seq");
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  test::ParityResult r;
  test::run_parity("pix2seq", dir, kConfig, r);
  EXPECT_GT(r.update_abs, 20 * test::kParamAbsTol);
}
