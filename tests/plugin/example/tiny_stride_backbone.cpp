// TinyStrideBackbone: a backbone that lives outside detseq's tree. A plugin is components and their
// registration lines; loading the library (custom_imports) runs them.
#include <torch/nn/modules/conv.h>

#include "core/interfaces/model.h"

namespace my_plugin {

struct TinyStrideBackboneOptions {
  int64_t channels = 32;
  template <class V>
  void visit(V& v) {
    v("channels", channels, "output channels of the single stride-32 feature map").positive();
  }
};

class TinyStrideBackbone : public detseq::Backbone {
 public:
  explicit TinyStrideBackbone(const TinyStrideBackboneOptions& o) : channels_(o.channels) {
    conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, o.channels, 32).stride(32)));
  }
  std::vector<torch::Tensor> forward(const torch::Tensor& images) override { return {conv_->forward(images).relu()}; }
  std::vector<int64_t> out_channels() const override { return {channels_}; }
  std::vector<int64_t> out_strides() const override { return {32}; }

 private:
  int64_t channels_;
  torch::nn::Conv2d conv_{nullptr};
};

}  // namespace my_plugin

DETSEQ_REGISTER_AS(detseq::Backbone, my_plugin::TinyStrideBackbone, my_plugin::TinyStrideBackboneOptions,
                   "TinyStrideBackbone", "one stride-32 convolution (an out-of-tree example)");
