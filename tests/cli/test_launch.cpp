// `train` / `test` launch flags: --launcher none|pytorch|slurm (which environment makes the
// process group), --threads and OMP_NUM_THREADS (how many LibTorch threads each process takes).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "core/dist/init.h"
#include "tests/test_util.h"

namespace {

using detseq::Error;
using detseq::dist::Launcher;
using detseq::dist::dist_env_from_environment;
using Result = detseq::test::CommandResult;

// Sets the variables for the scope of one test and restores the previous environment after, so
// the detseq processes that other tests start do not inherit them.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::initializer_list<std::pair<std::string, const char*>> vars) {
    for (const char* name : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS",
                             "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NODELIST"}) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      ::unsetenv(name);
    }
    for (const auto& [name, value] : vars) {
      if (!saved_.count(name)) {
        const char* old = std::getenv(name.c_str());
        saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      }
      if (value) ::setenv(name.c_str(), value, 1);
      else ::unsetenv(name.c_str());
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(Launcher, NoneIgnoresTheEnvironment) {
  ScopedEnv env({{"WORLD_SIZE", "2"}, {"RANK", "1"}, {"SLURM_NTASKS", "4"}});
  EXPECT_FALSE(dist_env_from_environment(Launcher::None).has_value());
  // Without the flag the torchrun variables are read, as before.
  const auto autodetected = dist_env_from_environment(Launcher::Auto);
  ASSERT_TRUE(autodetected.has_value());
  EXPECT_EQ(autodetected->world_size, 2);
  EXPECT_EQ(autodetected->source, "torchrun");
}

TEST(Launcher, PytorchNeedsRankAndWorldSize) {
  ScopedEnv env({{"WORLD_SIZE", "3"}});
  const std::string message = detseq::test::error_of([] { dist_env_from_environment(Launcher::PyTorch); });
  EXPECT_NE(message.find("--launcher pytorch: environment variable(s) RANK not set"), std::string::npos) << message;
  ::setenv("RANK", "2", 1);
  ::setenv("LOCAL_RANK", "0", 1);
  ::setenv("MASTER_PORT", "29611", 1);
  const auto e = dist_env_from_environment(Launcher::PyTorch);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->rank, 2);
  EXPECT_EQ(e->world_size, 3);
  EXPECT_EQ(e->master_addr, "127.0.0.1");
  EXPECT_EQ(e->master_port, 29611);
}

// mmengine's _init_dist_slurm: RANK <- SLURM_PROCID, WORLD_SIZE <- SLURM_NTASKS, MASTER_ADDR <-
// the first host of SLURM_NODELIST unless set, MASTER_PORT <- the environment or 29500.
TEST(Launcher, SlurmMapsItsVariablesAsMmengine) {
  ScopedEnv env({{"SLURM_PROCID", "5"},
                 {"SLURM_NTASKS", "8"},
                 {"SLURM_LOCALID", "1"},
                 {"SLURM_NODELIST", "gpu-node[12-15],login1"},
                 {"WORLD_SIZE", "2"}});  // a stale torchrun variable: --launcher slurm does not read it
  auto e = dist_env_from_environment(Launcher::Slurm);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->source, "slurm");
  EXPECT_EQ(e->rank, 5);
  EXPECT_EQ(e->world_size, 8);
  EXPECT_EQ(e->local_rank, 1);
  EXPECT_EQ(e->master_addr, "gpu-node12");
  EXPECT_EQ(e->master_port, 29500);
  ::setenv("MASTER_ADDR", "10.0.0.7", 1);
  ::setenv("MASTER_PORT", "29999", 1);
  e = dist_env_from_environment(Launcher::Slurm);
  EXPECT_EQ(e->master_addr, "10.0.0.7");
  EXPECT_EQ(e->master_port, 29999);
  // Without SLURM_LOCALID the local rank is SLURM_PROCID modulo the GPUs (0 without any).
  ::unsetenv("SLURM_LOCALID");
  e = dist_env_from_environment(Launcher::Slurm);
  EXPECT_GE(e->local_rank, 0);
  EXPECT_LE(e->local_rank, 5);
  ::unsetenv("SLURM_NODELIST");
  const std::string message = detseq::test::error_of([] { dist_env_from_environment(Launcher::Slurm); });
  EXPECT_NE(message.find("--launcher slurm: environment variable(s) SLURM_NODELIST not set"), std::string::npos)
      << message;
}

TEST(Launcher, ParseNamesTheChoices) {
  EXPECT_EQ(detseq::dist::parse_launcher("slurm"), Launcher::Slurm);
  const std::string message = detseq::test::error_of([] { detseq::dist::parse_launcher("pytroch"); });
  EXPECT_NE(message.find("did you mean 'pytorch'?"), std::string::npos) << message;
}

// A tiny model on the bundled images, enough for the Runner to start and log its thread count.
const char* kConfig = "configs/pix2seq/pix2seq_r18_320_tiny8_cpu.yaml";

std::string work_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("detseq_cli_launch_" + name);
  std::filesystem::remove_all(d);
  return d.string();
}

// `train` up to the Runner's first log line (world size, threads); max_epochs 0 is refused right
// after it, before any model or data is built.
bool runner_started(const Result& r) {
  return r.code == 1 && r.out.find("error: train_cfg.max_epochs (") != std::string::npos &&
         r.out.find("expected a value > 0, got 0") != std::string::npos;
}
Result start_runner(const std::string& env, const std::string& flags) {
  return detseq::test::run_detseq_env(env, std::string("train ") + kConfig + " --work-dir " + work_dir("threads") +
                                               " " + flags + " --cfg-options train_cfg.max_epochs=0 val_cfg=null",
                                      300);
}

TEST(LaunchFlags, ThreadsFromOmpNumThreadsUnlessGiven) {
  Result r = start_runner("OMP_NUM_THREADS=1", "");
  ASSERT_TRUE(runner_started(r)) << r.out;
  EXPECT_NE(r.out.find(" 1 thread(s)"), std::string::npos) << r.out;
  r = start_runner("OMP_NUM_THREADS=1", "--threads 3");
  ASSERT_TRUE(runner_started(r)) << r.out;
  EXPECT_NE(r.out.find(" 3 thread(s)"), std::string::npos) << r.out;
  r = start_runner("OMP_NUM_THREADS=two", "");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("error: OMP_NUM_THREADS='two' is not a thread count in [1, 1024]"), std::string::npos)
      << r.out;
}

TEST(LaunchFlags, BadValuesAreUsageErrors) {
  for (const char* flags : {"--threads 0", "--threads 100000", "--threads -2", "--launcher mpi"}) {
    const Result r = detseq::test::run_detseq(std::string("train ") + kConfig + " " + flags);
    EXPECT_EQ(r.code, 2) << flags << "\n" << r.out;
  }
  // Every command that builds a model validates --threads the same way.
  for (const std::string command : {std::string("infer ") + kConfig + " x.pth tests/data",
                                    std::string("benchmark infer ") + kConfig,
                                    std::string("benchmark decode ") + kConfig}) {
    const Result bad = detseq::test::run_detseq(command + " --threads 0");
    EXPECT_EQ(bad.code, 2) << command << "\n" << bad.out;
  }
  const Result r = detseq::test::run_detseq(std::string("test ") + kConfig + " x.pth --out results.txt");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("must end in .json (COCO results) or .pkl / .pickle"), std::string::npos) << r.out;
}

TEST(LaunchFlags, LauncherNoneRunsAloneAndPytorchNeedsItsVariables) {
  // WORLD_SIZE=2 would make this process wait for a second rank; --launcher none does not.
  Result r = start_runner("WORLD_SIZE=2 RANK=1", "--launcher none");
  ASSERT_TRUE(runner_started(r)) << r.out;
  EXPECT_NE(r.out.find("world size 1"), std::string::npos) << r.out;
  r = start_runner("", "--launcher pytorch");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("--launcher pytorch: environment variable(s) RANK, WORLD_SIZE not set"), std::string::npos)
      << r.out;
}

}  // namespace
