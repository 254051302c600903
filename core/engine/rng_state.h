// The torch generators in training checkpoints, one state per rank: a resumed multi-process run
// continues each rank's own random stream (dropout, random init inside the model), not rank 0's
// everywhere. Data randomness derives from (seed, epoch, index) and needs no state.
//
//   rng: {torch_cpu: rank 0's CPU state (all that older checkpoints hold; what Python code reads),
//         ranks: [{torch_cpu: uint8 tensor, torch_cuda: uint8 tensor (with CUDA)}, ...]}  by rank
#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

#include "core/io/value.h"

namespace detseq {

struct RankRngState {
  torch::Tensor cpu;   // the default CPU generator's state; undefined: none saved
  torch::Tensor cuda;  // the CUDA generator of the rank's device; undefined without CUDA
};

// This process's generators now (`device`: the runner's; CUDA states only where CUDA is available).
RankRngState current_rng_state(torch::Device device);
// The checkpoint's `rng` entry from every rank's state (indexed by rank).
io::Value rng_entry(const std::vector<RankRngState>& ranks);
// Every rank's current_rng_state gathered into rng_entry, on every rank. A collective in
// multi-process runs: every rank must call it.
io::Value gather_rng_entry(torch::Device device);
// The state rank `rank` of `world` resumes from: its own; rank 0's where the checkpoint holds fewer
// ranks (an older checkpoint holds only torch_cpu, or a run saved with fewer processes). `note` is
// set when it is not the rank's own state.
RankRngState rng_state_for_rank(const io::Value& rng, int64_t rank, int64_t world, std::string* note);
// Sets this process's generators to `state` (the CUDA one where CUDA is available).
void restore_rng_state(const RankRngState& state, torch::Device device);

}  // namespace detseq
