#include "core/engine/stop_signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace detseq {
namespace {

volatile sig_atomic_t g_pending = 0;
std::atomic<int> g_guards{0};
struct sigaction g_previous_int, g_previous_term;

void write_stderr(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

// Async-signal-safe: sets a flag, or on the second signal exits at once.
void on_stop_signal(int sig) {
  if (g_pending != 0) {
    write_stderr("\nerror: second stop signal: exiting at once (the last saved checkpoint is intact)\n");
    ::_exit(128 + sig);
  }
  g_pending = sig;
  write_stderr(sig == SIGINT ? "\nSIGINT received: finishing the current iteration and saving a checkpoint "
                               "(press Ctrl-C again to exit at once)\n"
                             : "\nSIGTERM received: finishing the current iteration and saving a checkpoint "
                               "(a second signal exits at once)\n");
}

}  // namespace

StopSignalGuard::StopSignalGuard() {
  if (g_guards++ > 0) return;  // nested (train() inside a tool that already guards): one install
  g_pending = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // an interrupted read() or write() continues
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopSignalGuard::~StopSignalGuard() {
  if (--g_guards > 0) return;
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  g_pending = 0;
}

int pending_stop_signal() { return g_pending; }

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

}  // namespace detseq
