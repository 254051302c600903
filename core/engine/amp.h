// bf16 autocast on CPU (LibTorch 1.13 has CPU autocast for bfloat16 only). Enabled around forward
// passes when --amp / AmpOptimWrapper is set; backward runs outside (autograd keeps the dtypes).
#pragma once
#include <c10/util/Exception.h>

#include <exception>

namespace detseq {

// Throws detseq::Error when this LibTorch cannot autocast to bf16 on the CPU (checked by running a
// tiny matmul under autocast and looking at its dtype), so --amp is never silently a no-op.
void check_amp_supported();

// Runs `fn`; under autocast a LibTorch kernel error (1.13's CPU autocast does not cover every op,
// e.g. LayerNorm with fp32 weights on bf16 input) becomes one clear detseq::Error.
[[noreturn]] void throw_amp_error(const std::exception& e);
template <class Fn>
auto amp_checked(bool amp, Fn&& fn) -> decltype(fn()) {
  if (!amp) return fn();
  try {
    return fn();
  } catch (const c10::Error& e) {
    throw_amp_error(e);
  }
}

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
