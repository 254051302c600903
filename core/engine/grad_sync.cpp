#include "core/engine/grad_sync.h"

#include <torch/torch.h>

#include "core/dist/dist.h"
#include "core/dist/process_group.h"
#include "core/util/error.h"

namespace detseq {

GradSync::GradSync(torch::nn::Module& model, int64_t bucket_bytes) {
  for (const auto& p : model.parameters())
    if (p.requires_grad()) params_.push_back(p);
  slot_of_.resize(params_.size());
  // Reverse order: the last layers' gradients are produced first by backward.
  Bucket current;
  int64_t bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const auto& p = params_[k];
    slot_of_[k] = {buckets_.size(), current.params.size()};
    current.params.push_back(k);
    current.numel += p.numel();
    bytes += p.numel() * static_cast<int64_t>(p.element_size());
    if (bytes >= bucket_bytes) {
      buckets_.push_back(std::move(current));
      current = Bucket{};
      bytes = 0;
    }
  }
  if (!current.params.empty()) buckets_.push_back(std::move(current));
  for (size_t k = 0; k < params_.size(); ++k) {
    // The hook sees this backward's gradient of the parameter; the value it returns is what
    // autograd accumulates into .grad (finish() overwrites .grad with the averaged sum anyway).
    params_[k].register_hook([this, k](torch::Tensor grad) {
      if (active_) on_grad(k, grad);
      return grad;
    });
  }
}

GradSync::~GradSync() = default;

void GradSync::broadcast_module(torch::nn::Module& model) {
  if (!dist::is_distributed()) return;
  torch::NoGradGuard no_grad;
  for (auto p : model.parameters()) {
    torch::Tensor t = p.detach();
    dist::broadcast_(t, 0);
  }
  for (auto b : model.buffers()) {
    torch::Tensor t = b.detach();
    dist::broadcast_(t, 0);
  }
}

void GradSync::prepare(bool sync) {
  active_ = sync && dist::is_distributed();
  if (!active_) return;
  for (auto& b : buckets_) {
    b.grads.assign(b.params.size(), torch::Tensor());
    b.ready = 0;
    b.work.reset();
  }
  next_launch_ = 0;
}

void GradSync::on_grad(size_t k, const torch::Tensor& grad) {
  auto [bi, slot] = slot_of_[k];
  Bucket& b = buckets_[bi];
  // Include gradients accumulated by earlier (unsynchronised) micro-steps.
  torch::Tensor total = grad.detach();
  const auto& acc = params_[k].grad();
  if (acc.defined()) total = total + acc.detach();
  if (b.grads[slot].defined()) {
    b.grads[slot] = b.grads[slot] + grad.detach();  // parameter used twice in the graph
    return;
  }
  b.grads[slot] = total;
  if (++b.ready == b.params.size()) launch_ready();
}

void GradSync::launch(Bucket& b) {
  std::vector<torch::Tensor> parts;
  for (size_t s = 0; s < b.params.size(); ++s) {
    const auto& p = params_[b.params[s]];
    torch::Tensor g = b.grads[s];
    if (!g.defined()) g = p.grad().defined() ? p.grad().detach() : torch::zeros_like(p);
    parts.push_back(g.reshape({-1}));
  }
  b.flat = torch::cat(parts);
  std::vector<torch::Tensor> tensors{b.flat};
  b.work = dist::process_group()->allreduce(tensors);
}

void GradSync::launch_ready() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].ready == buckets_[next_launch_].params.size()) {
    launch(buckets_[next_launch_++]);
  }
}

void GradSync::finish() {
  if (!active_) return;
  active_ = false;
  while (next_launch_ < buckets_.size()) launch(buckets_[next_launch_++]);
  const double scale = 1.0 / dist::world_size();
  torch::NoGradGuard no_grad;
  for (auto& b : buckets_) {
    b.work->wait();
    int64_t offset = 0;
    for (size_t s = 0; s < b.params.size(); ++s) {
      auto& p = params_[b.params[s]];
      const int64_t n = p.numel();
      torch::Tensor g = b.flat.narrow(0, offset, n).view(p.sizes()).mul(scale);
      offset += n;
      p.mutable_grad() = g.contiguous();
    }
    b.grads.clear();
    b.flat = torch::Tensor();
    b.work.reset();
  }
}

}  // namespace detseq
