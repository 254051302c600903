// Per-rank RNG states in checkpoints: which state each rank resumes from (with a made-up world
// size), the round trip through the generators, and resuming a checkpoint of the older format.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "core/engine/rng_state.h"
#include "core/engine/runner.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "tests/engine/toy.h"

namespace fs = std::filesystem;

namespace detseq::test {
namespace {

torch::Tensor cpu_state() { return at::detail::getDefaultCPUGenerator().get_state(); }

// Two different CPU states, as two ranks would have.
std::vector<RankRngState> two_ranks() {
  std::vector<RankRngState> ranks(2);
  torch::manual_seed(1);
  ranks[0].cpu = cpu_state();
  torch::manual_seed(2);
  ranks[1].cpu = cpu_state();
  return ranks;
}

TEST(RngState, EachRankResumesFromItsOwnState) {
  const auto ranks = two_ranks();
  const io::Value rng = rng_entry(ranks);
  EXPECT_TRUE(torch::equal(rng.at("torch_cpu").as_tensor(), ranks[0].cpu));  // what Python and older code read
  for (int64_t r = 0; r < 2; ++r) {
    std::string note;
    const RankRngState s = rng_state_for_rank(rng, r, 2, &note);
    EXPECT_TRUE(torch::equal(s.cpu, ranks[r].cpu)) << "rank " << r;
    EXPECT_FALSE(s.cuda.defined());
    EXPECT_EQ(note, "");
  }
  // Another world size: a rank the checkpoint does not know takes rank 0's, and says so.
  std::string note;
  EXPECT_TRUE(torch::equal(rng_state_for_rank(rng, 2, 3, &note).cpu, ranks[0].cpu));
  EXPECT_NE(note.find("RNG states of 2 rank(s), this run has 3: rank 2 restores rank 0's"), std::string::npos) << note;
}

TEST(RngState, AnOlderCheckpointWithOneStateGivesItToEveryRank) {
  const auto ranks = two_ranks();
  const io::Value old = io::Value::dict().set("torch_cpu", ranks[0].cpu);
  for (int64_t r = 0; r < 2; ++r) {
    std::string note;
    EXPECT_TRUE(torch::equal(rng_state_for_rank(old, r, 2, &note).cpu, ranks[0].cpu));
    EXPECT_NE(note.find("one RNG state (rank 0's"), std::string::npos) << note;
  }
  std::string note;
  EXPECT_TRUE(torch::equal(rng_state_for_rank(old, 0, 1, &note).cpu, ranks[0].cpu));
  EXPECT_NE(note.find("one RNG state"), std::string::npos) << note;
  EXPECT_THROW(rng_state_for_rank(io::Value::dict().set("torch_cpu", torch::zeros({3})), 0, 1, &note), Error);
}

TEST(RngState, RestoreSetsTheGenerators) {
  const RankRngState before = current_rng_state(torch::kCPU);
  const torch::Tensor a = torch::rand({4});
  restore_rng_state(before, torch::kCPU);
  EXPECT_TRUE(torch::equal(torch::rand({4}), a));
  // One process: its own state, gathered without a process group.
  const io::Value rng = gather_rng_entry(torch::kCPU);
  EXPECT_EQ(rng.at("ranks").size(), 1u);
  EXPECT_TRUE(torch::equal(rng.at("torch_cpu").as_tensor(), cpu_state()));
}

struct StateAtStart : Hook {
  torch::Tensor state;
  void before_train(Runner&) override { state = cpu_state(); }
};

TEST(RngState, ResumeReadsCheckpointsWithoutPerRankStates) {
  const fs::path wd = fs::temp_directory_path() / ("detseq_engine_rng_" + std::to_string(::getpid()));
  fs::remove_all(wd);
  Runner::from_config(toy_config(wd.string(), "train_cfg: {max_epochs: 1}"))->train();
  // Rewrite the checkpoint as older versions wrote it: one CPU state, no `ranks`.
  io::Value ckpt = io::read_checkpoint((wd / "epoch_1.pth").string());
  const torch::Tensor saved = ckpt.at("rng").at("torch_cpu").as_tensor();
  ckpt.set("rng", io::Value::dict().set("torch_cpu", saved));
  io::write_checkpoint((wd / "old.pth").string(), ckpt);
  RunnerLaunch launch;
  launch.resume = (wd / "old.pth").string();
  auto resumed = Runner::from_config(toy_config(wd.string(), "train_cfg: {max_epochs: 1}"), launch);
  auto probe = std::make_shared<StateAtStart>();
  resumed->register_hook(probe);
  resumed->train();  // nothing left to train: the state is restored, then training ends
  ASSERT_TRUE(probe->state.defined());
  EXPECT_TRUE(torch::equal(probe->state, saved));
  fs::remove_all(wd);
}

}  // namespace
}  // namespace detseq::test
