#include "core/engine/message_hub.h"

#include "core/util/error.h"

namespace detseq {

void ScalarHistory::update(double value, int64_t count) {
  values_.push_back(value);
  counts_.push_back(count);
  ++total_updates_;
  if (values_.size() > kKeep) {
    values_.pop_front();
    counts_.pop_front();
  }
}

double ScalarHistory::mean(int64_t window) const {
  if (values_.empty()) return 0.0;
  const size_t n = window <= 0 ? values_.size() : std::min(values_.size(), static_cast<size_t>(window));
  double sum = 0.0;
  int64_t total = 0;
  for (size_t i = values_.size() - n; i < values_.size(); ++i) {
    sum += values_[i] * static_cast<double>(counts_[i]);
    total += counts_[i];
  }
  return total > 0 ? sum / static_cast<double>(total) : 0.0;
}

void MessageHub::update_scalar(const std::string& key, double value, int64_t count) {
  scalars_[key].update(value, count);
}

double MessageHub::latest(const std::string& key) const {
  auto it = scalars_.find(key);
  if (it == scalars_.end()) throw Error("message hub: no scalar named '" + key + "' has been logged");
  return it->second.latest();
}

double MessageHub::mean(const std::string& key, int64_t window) const {
  auto it = scalars_.find(key);
  if (it == scalars_.end()) throw Error("message hub: no scalar named '" + key + "' has been logged");
  return it->second.mean(window);
}

std::optional<std::string> MessageHub::info(const std::string& key) const {
  auto it = info_.find(key);
  if (it == info_.end()) return std::nullopt;
  return it->second;
}

}  // namespace detseq
