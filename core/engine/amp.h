// bf16 autocast on CPU (LibTorch 1.13 has CPU autocast for bfloat16 only). Enabled around forward
// passes when --amp / AmpOptimWrapper is set; backward runs outside (autograd keeps the dtypes).
#pragma once

namespace detseq {

// Throws detseq::Error when this LibTorch cannot autocast to bf16 on the CPU (checked by running a
// tiny matmul under autocast and looking at its dtype), so --amp is never silently a no-op.
void check_amp_supported();

class AutocastGuard {
 public:
  explicit AutocastGuard(bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_;
  bool prev_enabled_ = false;
};

}  // namespace detseq
