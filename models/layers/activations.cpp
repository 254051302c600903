// Activations named by mmcv's act_cfg types. A new one is one class + one DETSEQ_REGISTER line.
#include <torch/nn/functional/activation.h>

#include "core/interfaces/layers.h"

namespace detseq {
namespace {

struct NoOptions {
  template <class V>
  void visit(V&) {}
};

class ReLU : public Activation {
 public:
  explicit ReLU(const NoOptions&) {}
  torch::Tensor operator()(const torch::Tensor& x) const override { return torch::relu(x); }
};

class GELU : public Activation {
 public:
  explicit GELU(const NoOptions&) {}
  torch::Tensor operator()(const torch::Tensor& x) const override { return torch::gelu(x); }
};

}  // namespace

DETSEQ_REGISTER_AS(Activation, ReLU, NoOptions, "ReLU", "max(x, 0)");
DETSEQ_REGISTER_AS(Activation, GELU, NoOptions, "GELU", "Gaussian error linear unit (exact erf form)");

}  // namespace detseq
