// The mmengine LR schedulers, in their chainable form (each step updates the current value), so
// that chaining several with begin/end reproduces mmengine's curves exactly.
#include <cmath>
#include <optional>

#include "core/engine/param_scheduler.h"
#include "core/util/error.h"

namespace detseq {
namespace {

std::vector<double> scaled(const std::vector<double>& v, double f) {
  std::vector<double> out(v);
  for (auto& x : out) x *= f;
  return out;
}

// ---- LinearLR: factor goes linearly start_factor -> end_factor over [begin, end) -------------
struct LinearLROptions : SchedulerCommon {
  double start_factor = 1.0 / 3;
  double end_factor = 1.0;
  template <class V>
  void visit(V& v) {
    v("start_factor", start_factor, "lr multiplier at `begin` (0..1)");
    v("end_factor", end_factor, "lr multiplier reached at `end - 1` (0..1; 0.01 = Pix2Seq's linear decay)");
    visit_common(v);
  }
};

class LinearLR : public ParamScheduler {
 public:
  explicit LinearLR(const LinearLROptions& o) : ParamScheduler(o), start_(o.start_factor), end_(o.end_factor) {
    if (start_ < 0 || start_ > 1 || end_ < 0 || end_ > 1)
      throw ConfigError("LinearLR: start_factor and end_factor must lie in [0, 1]");
  }
  std::string type_name() const override { return "LinearLR"; }

 protected:
  void finalize_range() override { total_ = static_cast<double>(end() - begin() - 1); }
  std::vector<double> get_value(const std::vector<double>& cur) const override {
    if (last_step_ == 0) return scaled(cur, start_);
    const double d = end_ - start_;
    return scaled(cur, 1.0 + d / (total_ * start_ + static_cast<double>(last_step_ - 1) * d));
  }

 private:
  double start_, end_, total_ = 0;
};
DETSEQ_REGISTER_AS(ParamScheduler, LinearLR, LinearLROptions, "LinearLR",
                   "linear warmup or decay of the lr factor from start_factor to end_factor");

// ---- ConstantLR: factor until end - 1, then back to 1 ------------------------------------------
struct ConstantLROptions : SchedulerCommon {
  double factor = 1.0 / 3;
  template <class V>
  void visit(V& v) {
    v("factor", factor, "lr multiplier inside [begin, end - 1)");
    visit_common(v);
  }
};

class ConstantLR : public ParamScheduler {
 public:
  explicit ConstantLR(const ConstantLROptions& o) : ParamScheduler(o), factor_(o.factor) {
    if (factor_ <= 0 || factor_ > 1) throw ConfigError("ConstantLR: factor must lie in (0, 1]");
  }
  std::string type_name() const override { return "ConstantLR"; }

 protected:
  void finalize_range() override { total_ = end() - begin() - 1; }
  std::vector<double> get_value(const std::vector<double>& cur) const override {
    if (last_step_ == 0) return scaled(cur, factor_);
    if (last_step_ == total_) return scaled(cur, 1.0 / factor_);
    return cur;
  }

 private:
  double factor_;
  int64_t total_ = 0;
};
DETSEQ_REGISTER_AS(ParamScheduler, ConstantLR, ConstantLROptions, "ConstantLR",
                   "constant lr factor for a while, then the full lr");

// ---- StepLR: x gamma every step_size steps ------------------------------------------------------
struct StepLROptions : SchedulerCommon {
  int64_t step_size = 1;
  double gamma = 0.1;
  template <class V>
  void visit(V& v) {
    v.required("step_size", step_size, "period of the decay (in steps)");
    v("gamma", gamma, "multiplicative decay");
    visit_common(v);
  }
};

class StepLR : public ParamScheduler {
 public:
  explicit StepLR(const StepLROptions& o) : ParamScheduler(o), step_size_(o.step_size), gamma_(o.gamma) {
    if (step_size_ <= 0) throw ConfigError("StepLR: step_size must be positive");
  }
  std::string type_name() const override { return "StepLR"; }

 protected:
  void scale_units(int64_t n) override { step_size_ *= n; }
  std::vector<double> get_value(const std::vector<double>& cur) const override {
    if (last_step_ == 0 || last_step_ % step_size_ != 0) return cur;
    return scaled(cur, gamma_);
  }

 private:
  int64_t step_size_;
  double gamma_;
};
DETSEQ_REGISTER_AS(ParamScheduler, StepLR, StepLROptions, "StepLR", "lr x gamma every step_size steps");

// ---- MultiStepLR: x gamma at each milestone (relative to begin) ---------------------------------
struct MultiStepLROptions : SchedulerCommon {
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  template <class V>
  void visit(V& v) {
    v.required("milestones", milestones, "steps at which the lr is multiplied by gamma");
    v("gamma", gamma, "multiplicative decay");
    visit_common(v);
  }
};

class MultiStepLR : public ParamScheduler {
 public:
  explicit MultiStepLR(const MultiStepLROptions& o) : ParamScheduler(o), milestones_(o.milestones), gamma_(o.gamma) {}
  std::string type_name() const override { return "MultiStepLR"; }

 protected:
  void scale_units(int64_t n) override {
    for (auto& m : milestones_) m *= n;
  }
  std::vector<double> get_value(const std::vector<double>& cur) const override {
    int hits = 0;  // a milestone listed twice decays twice (mmengine counts them)
    for (auto m : milestones_) hits += m == last_step_;
    return hits ? scaled(cur, std::pow(gamma_, hits)) : cur;
  }

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};
DETSEQ_REGISTER_AS(ParamScheduler, MultiStepLR, MultiStepLROptions, "MultiStepLR",
                   "lr x gamma at each milestone");

// ---- CosineAnnealingLR ---------------------------------------------------------------------------
struct CosineAnnealingLROptions : SchedulerCommon {
  std::optional<int64_t> T_max;
  std::optional<double> eta_min;
  std::optional<double> eta_min_ratio;
  template <class V>
  void visit(V& v) {
    v("T_max", T_max, "half period in steps (default end - begin)");
    v("eta_min", eta_min, "minimum lr (default 0)");
    v("eta_min_ratio", eta_min_ratio, "minimum lr as a ratio of the base lr (instead of eta_min)");
    visit_common(v);
  }
};

class CosineAnnealingLR : public ParamScheduler {
 public:
  explicit CosineAnnealingLR(const CosineAnnealingLROptions& o)
      : ParamScheduler(o), t_max_opt_(o.T_max), eta_min_(o.eta_min), eta_min_ratio_(o.eta_min_ratio) {
    if (eta_min_ && eta_min_ratio_) throw ConfigError("CosineAnnealingLR: give eta_min or eta_min_ratio, not both");
    if (!eta_min_ && !eta_min_ratio_) eta_min_ = 0.0;
  }
  std::string type_name() const override { return "CosineAnnealingLR"; }

 protected:
  void scale_units(int64_t n) override {
    if (t_max_opt_) *t_max_opt_ *= n;
  }
  void finalize_range() override {
    t_max_ = static_cast<double>(t_max_opt_ ? *t_max_opt_ : end() - begin());
    if (t_max_ <= 0) throw ConfigError("CosineAnnealingLR: T_max must be positive");
  }
  std::vector<double> get_value(const std::vector<double>& cur) const override {
    if (last_step_ == 0) return cur;
    std::vector<double> out(cur.size());
    const double pi = std::acos(-1.0);
    const double t = static_cast<double>(last_step_);
    for (size_t i = 0; i < cur.size(); ++i) {
      const double eta = eta_min_ratio_ ? base_values_[i] * *eta_min_ratio_ : *eta_min_;
      if (std::fmod(t - 1 - t_max_, 2 * t_max_) == 0) {
        out[i] = cur[i] + (base_values_[i] - eta) * (1 - std::cos(pi / t_max_)) / 2;
      } else {
        out[i] = (1 + std::cos(pi * t / t_max_)) / (1 + std::cos(pi * (t - 1) / t_max_)) * (cur[i] - eta) + eta;
      }
    }
    return out;
  }

 private:
  std::optional<int64_t> t_max_opt_;
  std::optional<double> eta_min_, eta_min_ratio_;
  double t_max_ = 0;
};
DETSEQ_REGISTER_AS(ParamScheduler, CosineAnnealingLR, CosineAnnealingLROptions, "CosineAnnealingLR",
                   "cosine annealing from the current lr to eta_min");

}  // namespace
}  // namespace detseq
