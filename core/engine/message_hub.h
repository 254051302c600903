// MessageHub: the runner's shared blackboard of scalars (losses, lr, time, metrics) and runtime
// info, as mmengine's. Hooks write to it (IterTimerHook: time/data_time; the loop: losses, lr,
// grad_norm) and read from it (LoggerHook averages over its interval; CheckpointHook reads metrics).
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace detseq {

class ScalarHistory {
 public:
  void update(double value, int64_t count = 1);
  double latest() const { return values_.empty() ? 0.0 : values_.back(); }
  // Count-weighted mean of the last `window` updates (all kept updates when window <= 0).
  double mean(int64_t window = 0) const;
  int64_t total_updates() const { return total_updates_; }
  bool empty() const { return values_.empty(); }

 private:
  static constexpr size_t kKeep = 2048;  // bounded: a long run must not grow without limit
  std::deque<double> values_;
  std::deque<int64_t> counts_;
  int64_t total_updates_ = 0;
};

class MessageHub {
 public:
  void update_scalar(const std::string& key, double value, int64_t count = 1);
  bool has_scalar(const std::string& key) const { return scalars_.count(key) != 0; }
  // Latest value; throws detseq::Error naming the key when it was never written.
  double latest(const std::string& key) const;
  double mean(const std::string& key, int64_t window = 0) const;
  const std::map<std::string, ScalarHistory>& scalars() const { return scalars_; }
  void erase_scalar(const std::string& key) { scalars_.erase(key); }

  void set_info(const std::string& key, const std::string& value) { info_[key] = value; }
  std::optional<std::string> info(const std::string& key) const;

 private:
  std::map<std::string, ScalarHistory> scalars_;
  std::map<std::string, std::string> info_;
};

}  // namespace detseq
