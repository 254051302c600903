#include "core/engine/amp.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include "core/util/error.h"

namespace detseq {

void check_amp_supported() {
  bool ok = false;
  try {
    AutocastGuard guard(true);
    auto y = torch::matmul(torch::ones({2, 2}), torch::ones({2, 2}));
    ok = y.scalar_type() == torch::kBFloat16;
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) {
    throw Error("--amp: this LibTorch build does not autocast to bfloat16 on the CPU; run without --amp "
                "(or use type: OptimWrapper instead of AmpOptimWrapper)");
  }
}

void throw_amp_error(const std::exception& e) {
  std::string what = e.what();
  what = what.substr(0, what.find('\n'));
  throw Error("--amp: the model failed under LibTorch's CPU bf16 autocast (" + what +
              "); LibTorch 1.13 does not autocast every op (e.g. LayerNorm) — run without --amp");
}

AutocastGuard::AutocastGuard(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  prev_enabled_ = at::autocast::is_cpu_enabled();
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!enabled_) return;
  // Leaving the outermost autocast region frees the cast cache (as torch.autocast's __exit__).
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(prev_enabled_);
}

}  // namespace detseq
