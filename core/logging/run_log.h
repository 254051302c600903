// Lines for the run's log file only (not the console), e.g. the fatal error of a run that the CLI
// prints to stderr itself: the work dir's log then says how the run ended.
#pragma once
#include <string>

namespace detseq {

// Writes `message` at error level to the file sinks setup_logging added; no-op without one.
void log_to_file_only(const std::string& message);

}  // namespace detseq
