// DETR training-step parity: 5 AdamW steps (weight decay, grad clipping, backbone lr_mult 0.1,
// frozen stem + layer1) on one fixed batch give the same loss terms (final and auxiliary layers,
// Hungarian-matched) and the same final parameters as the PyTorch implementation in
// fixtures/make_parity.py, within 1e-4 (losses relative, parameters max abs).
#include "tests/parity/parity.h"

using namespace detseq;

TEST(TrainingParity, DETRStepsMatchPyTorch) {
  const std::string dir = test::parity_reference_dir("detr");
  if (dir.empty()) GTEST_SKIP() << "/usr/bin/python3 with torch is not available";
  test::ParityResult r;
  test::run_parity("detr", dir, "tests/parity/configs/detr_parity.yaml", r);
  // A run whose updates are below the tolerance would pass whatever the optimizer did.
  EXPECT_GT(r.update_abs, 20 * test::kParamAbsTol);
}
