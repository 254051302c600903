#include "core/structures/sample.h"

namespace detseq {

Instances Instances::empty() {
  Instances out;
  out.boxes = torch::zeros({0, 4}, torch::kFloat32);
  out.labels = torch::zeros({0}, torch::kInt64);
  out.ignore = torch::zeros({0}, torch::kBool);
  return out;
}

Instances Instances::select(const torch::Tensor& keep) const {
  Instances out;
  out.boxes = boxes.index({keep});
  out.labels = labels.index({keep});
  out.ignore = ignore.index({keep});
  if (masks.defined()) out.masks = masks.index({keep});
  return out;
}

Instances Instances::targets() const {
  if (!ignore.defined() || ignore.numel() == 0) return *this;
  return select(ignore.logical_not());
}

Instances Instances::to(const torch::Device& device, bool non_blocking) const {
  Instances out;
  out.boxes = boxes.to(device, non_blocking);
  out.labels = labels.to(device, non_blocking);
  out.ignore = ignore.to(device, non_blocking);
  if (masks.defined()) out.masks = masks.to(device, non_blocking);
  return out;
}

Batch Batch::to(const torch::Device& device, bool non_blocking) const {
  Batch out;
  // A test-time-augmentation batch may carry its tensors only in its views.
  if (images.defined()) out.images = images.to(device, non_blocking);
  if (masks.defined()) out.masks = masks.to(device, non_blocking);
  out.metas = metas;
  out.instances.reserve(instances.size());
  for (const auto& inst : instances) out.instances.push_back(inst.to(device, non_blocking));
  out.views.reserve(views.size());
  for (const Batch& view : views) out.views.push_back(view.to(device, non_blocking));
  return out;
}

}  // namespace detseq
