// A progress bar for long loops: redrawn in place on a terminal, plain periodic lines otherwise
// (logs and CI stay readable). Shows done/total, rate, elapsed and eta.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace detseq {

class ProgressBar {
 public:
  // total <= 0: unknown length (no eta). `enabled` false silences it (e.g. on ranks > 0).
  ProgressBar(std::string label, int64_t total, bool enabled = true);
  ~ProgressBar();
  void update(int64_t done_increment = 1, const std::string& suffix = "");
  void finish();
  double elapsed_seconds() const;

 private:
  void draw(bool final_line);
  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  bool enabled_;
  bool tty_;
  bool finished_ = false;
  int64_t last_drawn_ = -1;  // done_ at the last draw (a plain-output final line is not repeated)
  std::string suffix_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Console writers other than the bar (the logger's stderr sink) call these around each line they
// print, so that a bar drawn in place on a terminal is cleared first and redrawn below the line
// instead of being glued to it. No-ops when no terminal bar is showing.
void progress_line_clear();
void progress_line_redraw();

// "1h02m03s" / "4m05s" / "12s".
std::string format_duration(double seconds);

}  // namespace detseq
