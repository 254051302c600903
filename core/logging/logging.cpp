#include "core/logging/logging.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <filesystem>
#include <mutex>

#include "core/logging/progress_bar.h"
#include "core/logging/run_log.h"
#include "core/util/error.h"

namespace detseq {
namespace {

// stderr sink that lets a terminal progress bar step aside: clear its line, print the log line,
// redraw the bar (so "...loss 7.2065" and the next log line never share a line).
class ProgressAwareSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ProgressAwareSink() : inner_(std::make_shared<spdlog::sinks::stderr_color_sink_st>()) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    progress_line_clear();
    inner_->log(msg);
    inner_->flush();
    progress_line_redraw();
  }
  void flush_() override { inner_->flush(); }
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override { inner_->set_formatter(std::move(formatter)); }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_st> inner_;
};

std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_logger;
std::string g_file;

std::shared_ptr<spdlog::logger> make_console_logger() {
  auto sink = std::make_shared<ProgressAwareSink>();
  auto log = std::make_shared<spdlog::logger>("detseq", sink);
  log->set_pattern("%Y/%m/%d %H:%M:%S %^%l%$ %v");
  log->set_level(spdlog::level::info);
  log->flush_on(spdlog::level::info);
  return log;
}

}  // namespace

void setup_logging(const std::string& level, const std::string& log_file) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_logger) g_logger = make_console_logger();
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw Error("log level '" + level + "' is not one of trace, debug, info, warning, error, critical, off");
  }
  g_logger->set_level(parsed);
  if (!log_file.empty() && log_file != g_file) {
    const auto parent = std::filesystem::path(log_file).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    auto file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file, /*truncate=*/false);
    file_sink->set_pattern("%Y/%m/%d %H:%M:%S %l %v");
    g_logger->sinks().push_back(file_sink);
    g_file = log_file;
  }
}

std::shared_ptr<spdlog::logger> logger() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_logger) g_logger = make_console_logger();
  return g_logger;
}

void log_to_file_only(const std::string& message) {
  const auto log = logger();
  spdlog::details::log_msg msg(log->name(), spdlog::level::err, message);
  for (const auto& sink : log->sinks()) {
    if (dynamic_cast<ProgressAwareSink*>(sink.get())) continue;  // the console: the CLI prints the error there
    sink->log(msg);
    sink->flush();
  }
}

void set_log_rank(int rank) {
  if (rank != 0) logger()->set_level(spdlog::level::warn);
}

}  // namespace detseq
