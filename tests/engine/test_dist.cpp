// Multi-process data parallel: two Gloo processes with batch 1 each must reach the same weights
// as one process with batch 2. The test re-executes this test binary as the two workers
// (--gtest_filter=DistWorker.*, with torchrun-style env variables and a free local port).
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/dist/dist.h"
#include "core/dist/init.h"
#include "core/engine/runner.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"
#include "tests/engine/toy.h"

extern char** environ;
namespace fs = std::filesystem;

namespace detseq::test {
namespace {

const char* kDistExtra = R"(
model: {dropout: 0.0}
train_cfg: {max_epochs: 2}
default_hooks: {checkpoint: {type: CheckpointHook, interval: 2}}
env_cfg: {dist_cfg: {backend: gloo, bucket_cap_mb: 0.0001}}
)";

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// Runs this test binary as worker `rank` of `world`, running only `test` (a gtest filter).
pid_t spawn_worker(int rank, int world, int port, const std::string& out_dir,
                   const std::string& test = "DistWorker.Train") {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  env.push_back("RANK=" + std::to_string(rank));
  env.push_back("LOCAL_RANK=" + std::to_string(rank));
  env.push_back("WORLD_SIZE=" + std::to_string(world));
  env.push_back("MASTER_ADDR=127.0.0.1");
  env.push_back("MASTER_PORT=" + std::to_string(port));
  env.push_back("DETSEQ_DIST_WORKER_OUT=" + out_dir);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> envp;
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe = fs::read_symlink("/proc/self/exe").string();
    std::string filter = "--gtest_filter=" + test;
    std::string log = out_dir + "/rank" + std::to_string(rank) + ".log";
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    ::dup2(::fileno(stdout), 2);
    char* argv[] = {exe.data(), filter.data(), nullptr};
    ::execve(exe.c_str(), argv, envp.data());
    std::_Exit(127);
  }
  return pid;
}

// Waits for the worker; kills it after `seconds`. Returns the exit status (or -1 on timeout).
int wait_for(pid_t pid, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs only as a spawned worker: trains, then rank 0 writes weights and the validation score.
TEST(DistWorker, Train) {
  const char* out = std::getenv("DETSEQ_DIST_WORKER_OUT");
  if (!out) GTEST_SKIP() << "only runs as a worker of Dist.TwoGlooProcessesMatchOneProcessWithDoubleBatch";
  auto cfg = toy_config(std::string(out) + "/work", kDistExtra);
  cfg.root["train_dataloader"]["batch_size"] = make_scalar(1);
  auto runner = Runner::from_config(cfg);
  ASSERT_EQ(dist::world_size(), 2);
  runner->train();
  const double mae = runner->message_hub().latest("val/toy/mae");
  if (dist::is_main_process()) {
    std::vector<torch::Tensor> params;
    for (const auto& p : runner->model().parameters()) params.push_back(p.detach().clone());
    torch::save(params, std::string(out) + "/params.pt");
    std::ofstream(std::string(out) + "/mae.txt") << std::to_string(mae);
  }
  runner.reset();
  dist::destroy_process_group();
}

TEST(Dist, TwoGlooProcessesMatchOneProcessWithDoubleBatch) {
  const std::string out = (fs::temp_directory_path() / ("detseq_dist_" + std::to_string(::getpid()))).string();
  fs::remove_all(out);
  fs::create_directories(out);
  const int port = free_port();
  const pid_t a = spawn_worker(0, 2, port, out), b = spawn_worker(1, 2, port, out);
  const int sa = wait_for(a, 120), sb = wait_for(b, 120);
  ASSERT_EQ(sa, 0) << slurp(out + "/rank0.log");
  ASSERT_EQ(sb, 0) << slurp(out + "/rank1.log");

  auto cfg = toy_config(out + "/single", kDistExtra);
  auto single = Runner::from_config(cfg);  // batch 2, one process
  single->train();
  std::vector<torch::Tensor> dist_params;
  torch::load(dist_params, out + "/params.pt");
  const auto params = single->model().parameters();
  ASSERT_EQ(params.size(), dist_params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(torch::allclose(params[i], dist_params[i], 1e-5, 1e-5))
        << "param " << i << " max diff " << (params[i] - dist_params[i]).abs().max().item<double>();
  }
  // Metrics were gathered over both ranks' shards: same score as the single process.
  EXPECT_NEAR(std::stod(slurp(out + "/mae.txt")), single->message_hub().latest("val/toy/mae"), 1e-5);
  // Only rank 0 wrote checkpoints and logs.
  EXPECT_TRUE(fs::exists(out + "/work/epoch_2.pth"));
  fs::remove_all(out);
}

torch::Tensor cpu_rng_state() { return at::detail::getDefaultCPUGenerator().get_state(); }

// This rank's CPU generator right after the epoch's checkpoint (CheckpointHook runs before it, at
// VERY_LOW) and when a (resumed) training starts.
struct RngProbe : Hook {
  torch::Tensor after_save, at_start;
  void after_train_epoch(Runner&) override { after_save = cpu_rng_state(); }
  void before_train(Runner&) override { at_start = cpu_rng_state(); }
};

// Runs only as a spawned worker: one epoch with a random stream of the rank's own, then a resume
// from its checkpoint, which must give this rank its own state back (not rank 0's).
TEST(DistWorker, RngResume) {
  const char* out = std::getenv("DETSEQ_DIST_WORKER_OUT");
  if (!out) GTEST_SKIP() << "only runs as a worker of Dist.ResumeRestoresEachRanksRng";
  const std::string work = std::string(out) + "/work";
  const std::string extra = "train_cfg: {max_epochs: 1}\nenv_cfg: {dist_cfg: {backend: gloo}}";
  torch::Tensor saved;
  {
    auto runner = Runner::from_config(toy_config(work, extra));
    ASSERT_EQ(dist::world_size(), 2);
    torch::rand({1 + 10 * dist::rank()});  // the ranks' streams part here (dropout draws on from them)
    auto probe = std::make_shared<RngProbe>();
    runner->register_hook(probe, 100);
    runner->train();
    saved = probe->after_save;
  }
  RunnerLaunch launch;
  launch.resume = work + "/epoch_1.pth";
  auto resumed = Runner::from_config(toy_config(work, extra), launch);
  auto probe = std::make_shared<RngProbe>();
  resumed->register_hook(probe, 100);
  resumed->train();  // nothing left to train: restores the state, then ends
  ASSERT_TRUE(saved.defined() && probe->at_start.defined());
  EXPECT_TRUE(torch::equal(saved, probe->at_start)) << "rank " << dist::rank() << " resumed another rank's RNG state";
  torch::save(saved, std::string(out) + "/rng" + std::to_string(dist::rank()) + ".pt");
  resumed.reset();
  dist::destroy_process_group();
}

TEST(Dist, ResumeRestoresEachRanksRng) {
  const std::string out = (fs::temp_directory_path() / ("detseq_dist_rng_" + std::to_string(::getpid()))).string();
  fs::remove_all(out);
  fs::create_directories(out);
  const int port = free_port();
  const pid_t a = spawn_worker(0, 2, port, out, "DistWorker.RngResume");
  const pid_t b = spawn_worker(1, 2, port, out, "DistWorker.RngResume");
  const int sa = wait_for(a, 120), sb = wait_for(b, 120);
  ASSERT_EQ(sa, 0) << slurp(out + "/rank0.log");
  ASSERT_EQ(sb, 0) << slurp(out + "/rank1.log");
  torch::Tensor rank0, rank1;
  torch::load(rank0, out + "/rng0.pt");
  torch::load(rank1, out + "/rng1.pt");
  EXPECT_FALSE(torch::equal(rank0, rank1)) << "the ranks' states must differ for the check to mean anything";
  // The checkpoint holds both, rank 0's also as torch_cpu (what older detseq and Python read).
  const io::Value ckpt = io::read_checkpoint(out + "/work/epoch_1.pth");
  const io::Value& ranks = ckpt.at("rng").at("ranks");
  ASSERT_EQ(ranks.size(), 2u);
  EXPECT_TRUE(torch::equal(ranks.elements()[0].at("torch_cpu").as_tensor(), rank0));
  EXPECT_TRUE(torch::equal(ranks.elements()[1].at("torch_cpu").as_tensor(), rank1));
  EXPECT_TRUE(torch::equal(ckpt.at("rng").at("torch_cpu").as_tensor(), rank0));
  fs::remove_all(out);
}

TEST(Dist, EnvironmentParsing) {
  for (const char* v : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS",
                        "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NODELIST"})
    ::unsetenv(v);
  EXPECT_FALSE(dist::dist_env_from_environment().has_value());
  ::setenv("SLURM_NTASKS", "4", 1);
  ::setenv("SLURM_PROCID", "3", 1);
  ::setenv("SLURM_LOCALID", "1", 1);
  ::setenv("SLURM_NODELIST", "gpu[07-08]", 1);
  auto e = dist::dist_env_from_environment();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->rank, 3);
  EXPECT_EQ(e->world_size, 4);
  EXPECT_EQ(e->local_rank, 1);
  EXPECT_EQ(e->master_addr, "gpu07");
  ::setenv("WORLD_SIZE", "2", 1);
  ::setenv("RANK", "2", 1);
  EXPECT_THROW(dist::dist_env_from_environment(), Error);  // RANK outside [0, WORLD_SIZE)
  for (const char* v : {"WORLD_SIZE", "RANK", "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NODELIST"})
    ::unsetenv(v);
}

}  // namespace
}  // namespace detseq::test
