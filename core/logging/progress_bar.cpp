#include "core/logging/progress_bar.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace detseq {
namespace {

// The terminal bar being shown, if any, and its last text: what the logger clears and redraws.
std::mutex g_console;
const ProgressBar* g_active = nullptr;
std::string g_active_text;

}  // namespace

void progress_line_clear() {
  std::lock_guard<std::mutex> lock(g_console);
  if (g_active) std::fprintf(stderr, "\r\033[K");
}

void progress_line_redraw() {
  std::lock_guard<std::mutex> lock(g_console);
  if (g_active) {
    std::fprintf(stderr, "\r\033[K%s", g_active_text.c_str());
    std::fflush(stderr);
  }
}

std::string format_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  const auto total = static_cast<int64_t>(seconds + 0.5);
  const int64_t h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  char buf[32];
  if (h > 0) {
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm%02llds", (long long)h, (long long)m, (long long)s);
  } else if (m > 0) {
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", (long long)m, (long long)s);
  } else {
    std::snprintf(buf, sizeof(buf), "%llds", (long long)s);
  }
  return buf;
}

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::update(int64_t increment, const std::string& suffix) {
  done_ += increment;
  suffix_ = suffix;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  // Terminal: redraw at most 10x/s. Plain output: a line every 10 s or every 10 %.
  bool due = false;
  if (tty_) {
    due = last_drawn_ < 0 || since >= 0.1 || done_ == total_;  // show the bar at once, then <= 10x/s
  } else {
    const int64_t step = total_ > 0 ? std::max<int64_t>(1, total_ / 10) : 0;
    due = since >= 10.0 || (step > 0 && done_ % step == 0);
  }
  if (due) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_ && done_ > 0 && (tty_ || last_drawn_ != done_)) draw(true);
  std::lock_guard<std::mutex> lock(g_console);
  if (g_active == this) g_active = nullptr;
}

void ProgressBar::draw(bool final_line) {
  const double elapsed = elapsed_seconds();
  const double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  std::string eta = "?";
  if (total_ > 0 && rate > 0) eta = format_duration((total_ - done_) / rate);
  char stats[160];
  std::snprintf(stats, sizeof(stats), "%lld/%lld %.2f it/s elapsed %s eta %s", (long long)done_,
                (long long)std::max<int64_t>(total_, 0), rate, format_duration(elapsed).c_str(), eta.c_str());
  std::string bar;
  if (total_ > 0) {
    const int width = 25;
    const int filled = static_cast<int>(width * std::min<double>(1.0, double(done_) / total_));
    bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  }
  const std::string text = label_ + " " + bar + stats + (suffix_.empty() ? "" : " " + suffix_);
  last_drawn_ = done_;
  std::lock_guard<std::mutex> lock(g_console);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", text.c_str(), final_line ? "\n" : "");
    g_active = final_line ? nullptr : this;
    g_active_text = text;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

}  // namespace detseq
