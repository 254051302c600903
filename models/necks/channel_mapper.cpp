#include "models/necks/channel_mapper.h"

#include "core/io/pretrained.h"
#include "core/util/error.h"

namespace detseq {

ChannelMapperLevelImpl::ChannelMapperLevelImpl(int64_t in, const ChannelMapperOptions& options,
                                               const NormLayer* norm)
    : relu_(options.act == "relu") {
  // A conv followed by a norm needs no bias (the norm's shift replaces it), as mmcv's ConvModule.
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, options.out_channels, options.kernel_size)
                                                       .padding(options.kernel_size / 2)
                                                       .bias(norm == nullptr)));
  if (norm) {
    norm_ = norm->make2d(options.out_channels);
    register_module("norm", norm_.ptr());
  }
}

torch::Tensor ChannelMapperLevelImpl::forward(const torch::Tensor& x) {
  auto y = conv(x);
  if (!norm_.is_empty()) y = norm_.forward(y);
  return relu_ ? torch::relu(y) : y;
}

ChannelMapper::ChannelMapper(const ChannelMapperOptions& options) : options_(options) {
  if (options.in_channels.empty()) throw ConfigError("ChannelMapper: in_channels must not be empty");
  if (options.kernel_size % 2 == 0) {
    throw ConfigError("ChannelMapper: kernel_size must be odd, got " + std::to_string(options.kernel_size));
  }
  std::shared_ptr<const NormLayer> norm;
  if (!options.norm_cfg.empty()) norm = build<NormLayer>(options.norm_cfg);
  convs = register_module("convs", torch::nn::ModuleList());
  for (int64_t in : options.in_channels) convs->push_back(ChannelMapperLevel(in, options, norm.get()));
  io::apply_init_cfg(*this, options.init_cfg);
}

std::vector<torch::Tensor> ChannelMapper::forward(const std::vector<torch::Tensor>& features) {
  if (features.size() != convs->size()) {
    throw Error("ChannelMapper: got " + std::to_string(features.size()) + " feature maps, configured for " +
                std::to_string(convs->size()) + " (in_channels)");
  }
  std::vector<torch::Tensor> outs;
  for (size_t i = 0; i < features.size(); ++i) outs.push_back(convs[i]->as<ChannelMapperLevel>()->forward(features[i]));
  return outs;
}

std::vector<int64_t> ChannelMapper::out_channels() const {
  return std::vector<int64_t>(options_.in_channels.size(), options_.out_channels);
}

DETSEQ_REGISTER_AS(Neck, ChannelMapper, ChannelMapperOptions, "ChannelMapper",
                   "per-level conv to a common channel count, optional GN/LN/BN norm");

}  // namespace detseq
