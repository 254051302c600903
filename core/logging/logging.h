// Logging set up once per process: console (stderr) plus, when given, a file in the work dir.
// Use DETSEQ_INFO(...) etc. or detseq::logger() directly; the runner reuses the same sinks.
#pragma once
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace detseq {

// Console sink at `level`; with `log_file`, a file sink too (the file is appended to, never
// truncated, so earlier runs' logs survive). Safe to call again to add a file later.
void setup_logging(const std::string& level = "info", const std::string& log_file = "");
std::shared_ptr<spdlog::logger> logger();
// Only rank 0 prints info-level lines in multi-process runs.
void set_log_rank(int rank);

}  // namespace detseq

#define DETSEQ_DEBUG(...) ::detseq::logger()->debug(__VA_ARGS__)
#define DETSEQ_INFO(...) ::detseq::logger()->info(__VA_ARGS__)
#define DETSEQ_WARN(...) ::detseq::logger()->warn(__VA_ARGS__)
#define DETSEQ_ERROR(...) ::detseq::logger()->error(__VA_ARGS__)
