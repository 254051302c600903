#include "datasets/loader/collate.h"

#include "core/util/error.h"

namespace detseq {

Batch collate(std::vector<Sample>& samples, double pad_value, int64_t size_divisor) {
  Batch batch;
  if (samples.empty()) throw Error("collate: empty batch");
  // Test-time augmentation: every image has the same views (TestTimeAug).
  const size_t num_views = samples.front().views.size();
  for (const Sample& s : samples) {
    if (s.views.size() != num_views) {
      throw Error("collate: " + s.meta.file_path + " has " + std::to_string(s.views.size()) +
                  " test-time views, the batch's first image " + std::to_string(num_views));
    }
  }
  int64_t H = 0, W = 0;
  for (const auto& s : samples) {
    if (!s.image.defined() || s.image.dim() != 3 || s.image.size(0) != 3 || s.image.scalar_type() != torch::kFloat32) {
      throw Error("collate: sample " + s.meta.file_path +
                  " is not a float32 [3, H, W] image (end the pipeline with PackDetInputs)");
    }
    H = std::max(H, s.image.size(1));
    W = std::max(W, s.image.size(2));
  }
  if (size_divisor > 1) {
    H = (H + size_divisor - 1) / size_divisor * size_divisor;
    W = (W + size_divisor - 1) / size_divisor * size_divisor;
  }
  const int64_t B = static_cast<int64_t>(samples.size());
  batch.images = torch::empty({B, 3, H, W}, torch::kFloat32);  // only the padding is filled below
  batch.masks = torch::ones({B, H, W}, torch::kBool);
  for (int64_t i = 0; i < B; ++i) {
    Sample& s = samples[i];
    const int64_t h = s.image.size(1), w = s.image.size(2);
    torch::Tensor dst = batch.images[i];
    dst.narrow(1, 0, h).narrow(2, 0, w).copy_(s.image);
    if (h < H) dst.narrow(1, h, H - h).fill_(pad_value);
    if (w < W) dst.narrow(1, 0, h).narrow(2, w, W - w).fill_(pad_value);
    const int64_t vh = std::min(h, s.meta.img_height > 0 ? s.meta.img_height : h);
    const int64_t vw = std::min(w, s.meta.img_width > 0 ? s.meta.img_width : w);
    batch.masks[i].narrow(0, 0, vh).narrow(1, 0, vw).fill_(false);
    s.meta.pad_height = H;
    s.meta.pad_width = W;
    batch.instances.push_back(std::move(s.instances));
    batch.metas.push_back(std::move(s.meta));
  }
  for (size_t j = 0; j < num_views; ++j) {  // the j-th views of all images make one batch
    std::vector<Sample> view;
    view.reserve(samples.size());
    for (Sample& s : samples) view.push_back(std::move(s.views[j]));
    batch.views.push_back(collate(view, pad_value, size_divisor));
  }
  return batch;
}

}  // namespace detseq
