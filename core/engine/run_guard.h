// detectron2's try/finally around the runner's stages: whatever a stage throws, the stages it
// opened are closed. guarded(runner, stage, body, unwind) runs body(); if it throws: every hook's
// on_exception, then unwind() (the after_* stages the normal path would have reached), then the
// error goes into the run's log file, and the exception is rethrown unchanged. While unwinding, an
// exception from a hook or from unwind() is logged, not thrown, so it neither hides the first error
// nor skips the other hooks.
#pragma once
#include <functional>
#include <string>

namespace detseq {

class Runner;
class Hook;

// Calls fn on every hook; an exception from a hook is logged with `stage` and the hook's type.
void call_hooks_noexcept(Runner& runner, const char* stage, const std::function<void(Hook&)>& fn);

// Inside a catch block: the one-line message of the exception being handled.
std::string current_exception_message();

// The unwinding steps of guarded(), each noexcept: on_exception of every hook, `unwind`, and the
// line "<stage> stopped: <what>" in the run's log file; for nested guards the hooks and the log
// hear of one exception once (at the innermost stage).
void unwind_after_exception(Runner& runner, const char* stage, const std::string& what,
                            const std::function<void()>& unwind);

// before_run, body(), after_run — with after_run still run (and the rest of the unwinding) when
// before_run or body() throws: train(), test() and a stand-alone val().
void run_with_run_hooks(Runner& runner, const char* stage, const std::function<void()>& body);

template <class Body>
void guarded(Runner& runner, const char* stage, Body&& body, const std::function<void()>& unwind) {
  try {
    body();
  } catch (...) {
    unwind_after_exception(runner, stage, current_exception_message(), unwind);
    throw;
  }
}

}  // namespace detseq
