// FrozenBN, BN, GN and LN (over the channels of NCHW maps). A new norm is one more class and
// one DETSEQ_REGISTER line here or in a file of its own.
#include "models/layers/norm_layer.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/normalization.h>

#include "core/util/error.h"
#include "models/layers/frozen_batch_norm.h"

namespace detseq {
namespace {

// LayerNorm over the channel axis of an NCHW map (ConvNeXt / ViTDet style).
class ChannelLayerNormImpl : public torch::nn::Module {
 public:
  explicit ChannelLayerNormImpl(int64_t channels) {
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::layer_norm(x.permute({0, 2, 3, 1}), {weight.size(0)}, weight, bias, 1e-6);
    return y.permute({0, 3, 1, 2});
  }
  torch::Tensor weight, bias;
};
TORCH_MODULE(ChannelLayerNorm);

torch::nn::AnyModule with_grad(torch::nn::AnyModule norm, bool requires_grad) {
  if (!requires_grad) {
    for (auto& p : norm.ptr()->parameters()) p.set_requires_grad(false);
  }
  return norm;
}

struct FrozenBNOptions {
  template <class V>
  void visit(V&) {}
};
class FrozenBN : public NormLayer {
 public:
  explicit FrozenBN(const FrozenBNOptions&) {}
  torch::nn::AnyModule make2d(int64_t channels) const override {
    return torch::nn::AnyModule(FrozenBatchNorm2d(channels));  // buffers only: nothing to freeze
  }
};

struct AffineNormOptions {
  bool requires_grad = true;
  template <class V>
  void visit(V& v) {
    v("requires_grad", requires_grad, "train the affine parameters (false freezes them)");
  }
};
class BN : public NormLayer {
 public:
  explicit BN(const AffineNormOptions& o) : options_(o) {}
  torch::nn::AnyModule make2d(int64_t channels) const override {
    return with_grad(torch::nn::AnyModule(torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels))),
                     options_.requires_grad);
  }

 private:
  AffineNormOptions options_;
};
class LN : public NormLayer {
 public:
  explicit LN(const AffineNormOptions& o) : options_(o) {}
  torch::nn::AnyModule make2d(int64_t channels) const override {
    return with_grad(torch::nn::AnyModule(ChannelLayerNorm(channels)), options_.requires_grad);
  }

 private:
  AffineNormOptions options_;
};

struct GNOptions {
  bool requires_grad = true;
  int64_t num_groups = 32;
  template <class V>
  void visit(V& v) {
    v("requires_grad", requires_grad, "train the affine parameters (false freezes them)");
    v("num_groups", num_groups, "groups; must divide the channels of every layer it is used in").positive();
  }
};
class GN : public NormLayer {
 public:
  explicit GN(const GNOptions& o) : options_(o) {}
  torch::nn::AnyModule make2d(int64_t channels) const override {
    if (channels % options_.num_groups != 0) {
      throw Error("GroupNorm: " + std::to_string(channels) + " channels are not divisible by num_groups " +
                  std::to_string(options_.num_groups));
    }
    return with_grad(torch::nn::AnyModule(torch::nn::GroupNorm(torch::nn::GroupNormOptions(options_.num_groups, channels))),
                     options_.requires_grad);
  }

 private:
  GNOptions options_;
};

}  // namespace

DETSEQ_REGISTER_AS(NormLayer, FrozenBN, FrozenBNOptions, "FrozenBN", "BatchNorm with fixed statistics and affine (DETR)");
DETSEQ_REGISTER_AS(NormLayer, BN, AffineNormOptions, "BN", "BatchNorm2d (batch statistics while training)");
DETSEQ_REGISTER_AS(NormLayer, GN, GNOptions, "GN", "GroupNorm");
DETSEQ_REGISTER_AS(NormLayer, LN, AffineNormOptions, "LN", "LayerNorm over the channels of NCHW maps");

}  // namespace detseq
