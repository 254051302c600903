// Data-parallel gradient synchronisation over the c10d process group (core/dist), DDP-style:
// parameters are broadcast from rank 0 once; during backward, per-parameter autograd hooks fill
// fixed buckets (in reverse registration order, roughly the order gradients become ready) and each
// full bucket's all-reduce is launched asynchronously while backward continues. Buckets are
// launched strictly in index order on every rank, so the collectives match even when the ranks'
// graphs finish parameters in different orders. finish() waits, averages and writes param.grad.
#pragma once
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace detseq {

class GradSync {
 public:
  // Registers hooks on the module's trainable parameters; buckets hold about `bucket_bytes`.
  GradSync(torch::nn::Module& model, int64_t bucket_bytes = 25 * 1024 * 1024);
  ~GradSync();
  GradSync(const GradSync&) = delete;
  GradSync& operator=(const GradSync&) = delete;

  // Copies rank 0's parameters and buffers to every rank.
  static void broadcast_module(torch::nn::Module& model);

  // Before backward: `sync` = this backward ends an accumulation window (all-reduce it).
  void prepare(bool sync);
  // After backward: launches the buckets not launched yet (parameters without gradient contribute
  // zeros), waits for all, and sets each parameter's grad to the mean over ranks.
  void finish();

  size_t num_buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> params;      // indices into params_
    std::vector<torch::Tensor> grads;  // this backward's full gradient per slot (undefined = none yet)
    size_t ready = 0;
    int64_t numel = 0;
    torch::Tensor flat;
    c10::intrusive_ptr<c10d::Work> work;
  };
  void on_grad(size_t param_index, const torch::Tensor& grad);
  void launch_ready();
  void launch(Bucket& bucket);

  std::vector<torch::Tensor> params_;
  std::vector<std::pair<size_t, size_t>> slot_of_;  // param -> (bucket, slot)
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
  bool active_ = false;
};

}  // namespace detseq
