// Graceful stop on SIGINT / SIGTERM (a user's Ctrl-C, a cluster's preemption) during training.
//
// While a StopSignalGuard lives, the first SIGINT or SIGTERM only records the signal: the train
// loop finishes the current iteration, writes a resumable checkpoint and throws
// TrainingInterrupted (the CLI exits 128 + signal: 130 for SIGINT, 143 for SIGTERM). A second
// signal exits at once with that code. The guard restores the previous handlers when it goes.
#pragma once
#include <string>

#include "core/util/error.h"

namespace detseq {

class StopSignalGuard {
 public:
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;
};

// The signal received since the guard was installed (SIGINT, SIGTERM), or 0.
int pending_stop_signal();

// Training stopped by a signal after saving a checkpoint; what() is the one-line message.
class TrainingInterrupted : public Error {
 public:
  TrainingInterrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
  int signal() const { return signal_; }
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

}  // namespace detseq
