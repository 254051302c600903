#include "core/engine/run_guard.h"

#include <exception>

#include "core/engine/hook.h"
#include "core/engine/runner.h"
#include "core/logging/logging.h"
#include "core/logging/run_log.h"

namespace detseq {
namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

std::string current_exception_message() {
  try {
    throw;
  } catch (const std::exception& e) {
    return first_line(e.what());
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

void call_hooks_noexcept(Runner& runner, const char* stage, const std::function<void(Hook&)>& fn) {
  runner.call_hooks([&](Hook& h) {
    try {
      fn(h);
    } catch (const std::exception& e) {
      DETSEQ_ERROR("{} of {} failed while handling an earlier error: {}", stage, h.type_name(), first_line(e.what()));
    } catch (...) {
      DETSEQ_ERROR("{} of {} failed while handling an earlier error", stage, h.type_name());
    }
  });
}

void unwind_after_exception(Runner& runner, const char* stage, const std::string& what,
                            const std::function<void()>& unwind) {
  // Guards nest (validation inside training inside the run): hooks hear of an exception and the
  // log records it once, at the innermost stage; every level still closes its own stages.
  thread_local std::exception_ptr last_seen;
  const std::exception_ptr current = std::current_exception();
  const bool first = !(current && current == last_seen);
  if (first) {
    last_seen = current;
    call_hooks_noexcept(runner, "on_exception", [&](Hook& h) { h.on_exception(runner, what); });
  }
  try {
    if (unwind) unwind();
  } catch (const std::exception& e) {
    DETSEQ_ERROR("closing {} after an error failed too: {}", stage, first_line(e.what()));
  } catch (...) {
    DETSEQ_ERROR("closing {} after an error failed too", stage);
  }
  if (first) log_to_file_only(std::string(stage) + " stopped: " + what);
  logger()->flush();
}

void run_with_run_hooks(Runner& runner, const char* stage, const std::function<void()>& body) {
  guarded(
      runner, stage,
      [&] {
        runner.call_hooks([&](Hook& h) { h.before_run(runner); });
        body();
      },
      [&] { call_hooks_noexcept(runner, "after_run", [&](Hook& h) { h.after_run(runner); }); });
  runner.call_hooks([&](Hook& h) { h.after_run(runner); });
}

}  // namespace detseq
