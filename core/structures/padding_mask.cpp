#include "core/structures/padding_mask.h"

#include <torch/nn/functional/upsampling.h>

#include "core/util/error.h"

namespace detseq {

torch::Tensor downsample_padding_mask(const torch::Tensor& masks, int64_t batch, int64_t h, int64_t w,
                                      const torch::TensorOptions& options) {
  if (!masks.defined()) return torch::zeros({batch, h, w}, options.dtype(torch::kBool));
  if (masks.dim() != 3 || masks.size(0) != batch) {
    throw Error("padding mask: expected [" + std::to_string(batch) + ", H, W], got " + c10::str(masks.sizes()));
  }
  namespace F = torch::nn::functional;
  return F::interpolate(masks.unsqueeze(1).to(torch::kFloat32),
                        F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kNearest))
      .squeeze(1)
      .to(torch::kBool);
}

}  // namespace detseq
