// Process-group facade used by models (loss normalisation), metrics and the engine.
// Single-process by default (every call is a cheap no-op); the engine installs a c10d process
// group (Gloo on CPU, NCCL on CUDA) from torchrun-style environment variables.
#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

namespace detseq::dist {

int rank();
int world_size();
int local_rank();
bool is_distributed();
bool is_main_process();

// In place, summed over all ranks.
void all_reduce_sum_(torch::Tensor& tensor);
// In place, from `root` to all ranks.
void broadcast_(torch::Tensor& tensor, int root = 0);
void barrier();
// Every rank's bytes, indexed by rank (on every rank).
std::vector<std::string> all_gather_bytes(const std::string& mine);

}  // namespace detseq::dist
