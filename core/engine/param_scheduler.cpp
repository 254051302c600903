#include "core/engine/param_scheduler.h"

#include "core/util/error.h"

namespace detseq {

DETSEQ_DEFINE_FAMILY(ParamScheduler);

ParamScheduler::ParamScheduler(const SchedulerCommon& c)
    : begin_(c.begin), end_(c.end), by_epoch_(c.by_epoch), convert_(c.convert_to_iter_based) {
  if (end_ <= begin_) {
    throw ConfigError("param_scheduler: end (" + std::to_string(end_) + ") must be larger than begin (" +
                      std::to_string(begin_) + ")");
  }
}

void ParamScheduler::convert_to_iter_based(int64_t epoch_length) {
  if (!by_epoch_) throw ConfigError("param_scheduler: convert_to_iter_based needs by_epoch: true");
  if (epoch_length <= 0) throw ConfigError("param_scheduler: cannot convert to iterations: the epoch is empty");
  begin_ *= epoch_length;
  if (end_ != kSchedulerInf) end_ *= epoch_length;
  scale_units(epoch_length);
  by_epoch_ = false;
  finalize_range();
}

void ParamScheduler::attach(ScheduledValues& values) {
  values_ = &values;
  base_values_.clear();
  for (size_t i = 0; i < values.num_values(); ++i) base_values_.push_back(values.initial_value(i));
  finalize_range();
  step();
}

void ParamScheduler::step() {
  if (!values_) throw Error("param_scheduler: step() before attach()");
  ++global_step_;
  if (global_step_ >= begin_ && global_step_ < end_) {
    ++last_step_;
    std::vector<double> current;
    for (size_t i = 0; i < values_->num_values(); ++i) current.push_back(values_->value(i));
    const auto next = get_value(current);
    for (size_t i = 0; i < next.size(); ++i) values_->set_value(i, next[i]);
  }
}

std::map<std::string, double> ParamScheduler::state() const {
  std::map<std::string, double> s{{"global_step", static_cast<double>(global_step_)},
                                  {"last_step", static_cast<double>(last_step_)},
                                  {"begin", static_cast<double>(begin_)},
                                  {"end", static_cast<double>(end_)}};
  for (size_t i = 0; i < base_values_.size(); ++i) s["base_value." + std::to_string(i)] = base_values_[i];
  return s;
}

void ParamScheduler::load_state(const std::map<std::string, double>& s) {
  auto get = [&](const std::string& key) {
    auto it = s.find(key);
    if (it == s.end()) throw Error("checkpoint: scheduler " + type_name() + " state lacks '" + key + "'");
    return it->second;
  };
  if (static_cast<int64_t>(get("begin")) != begin_ || static_cast<int64_t>(get("end")) != end_) {
    throw Error("checkpoint: scheduler " + type_name() + " range [" + std::to_string(int64_t(get("begin"))) + ", " +
                std::to_string(int64_t(get("end"))) + ") differs from the config's [" + std::to_string(begin_) + ", " +
                std::to_string(end_) + ") — resume with the config the run was started with");
  }
  global_step_ = static_cast<int64_t>(get("global_step"));
  last_step_ = static_cast<int64_t>(get("last_step"));
  for (size_t i = 0; i < base_values_.size(); ++i) {
    auto it = s.find("base_value." + std::to_string(i));
    if (it != s.end()) base_values_[i] = it->second;
  }
}

}  // namespace detseq
