// Declarative value checks of an option, written where the option is declared:
//
//   v("depth", depth, "ResNet depth").one_of({18, 34, 50, 101});
//   v("dropout", dropout, "dropout rate").range(0.0, 1.0);
//   v("num_queries", num_queries, "object queries").positive();
//
// Every visitor returns an OptionSpec. The reader checks the value just read and throws the
// one-line error `model.backbone.depth (x.yaml:7): expected one of 18, 34, 50, 101, got 34`;
// the describer records the rule for `detseq registry describe`; other visitors ignore it.
// A rule applies to each element of a list and to the value of a set optional.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace detseq {

// Where a visitor sends rules: `rule` records its text, `fail` reports a value that breaks it
// (`index` is the list element, -1 for the value itself).
class OptionRuleSink {
 public:
  virtual ~OptionRuleSink() = default;
  virtual void rule(const std::string& text) = 0;
  virtual void fail(int64_t index, const std::string& expected, const std::string& got) = 0;
};

namespace option_rules_detail {

template <class T>
std::string show(const T& x) {
  if constexpr (std::is_same_v<T, bool>) {
    return x ? "true" : "false";
  } else if constexpr (std::is_arithmetic_v<T>) {
    std::ostringstream out;
    out.precision(15);
    out << x;
    return out.str();
  } else {
    return std::string(x);
  }
}

// Calls fn(element, index) for each scalar the rule applies to.
template <class T, class Fn>
void for_each_value(const T& v, Fn&& fn) {
  fn(v, int64_t{-1});
}
template <class T, class Fn>
void for_each_value(const std::vector<T>& v, Fn&& fn) {
  for (size_t i = 0; i < v.size(); ++i) fn(v[i], static_cast<int64_t>(i));
}
template <class T, size_t N, class Fn>
void for_each_value(const std::array<T, N>& v, Fn&& fn) {
  for (size_t i = 0; i < N; ++i) fn(v[i], static_cast<int64_t>(i));
}
template <class T, class Fn>
void for_each_value(const std::optional<T>& v, Fn&& fn) {
  if (v) fn(*v, int64_t{-1});
}

}  // namespace option_rules_detail

template <class T>
class OptionSpec {
 public:
  OptionSpec(const T& value, OptionRuleSink* sink) : value_(value), sink_(sink) {}

  // The value is one of `choices` (strings or numbers).
  template <class U>
  OptionSpec& one_of(std::initializer_list<U> choices) {
    using option_rules_detail::show;
    std::string text = "one of ";
    for (auto it = choices.begin(); it != choices.end(); ++it) text += (it == choices.begin() ? "" : ", ") + show(*it);
    return apply(text, [&](const auto& x) {
      for (const auto& c : choices) {
        if (x == c) return true;
      }
      return false;
    });
  }
  // lo <= value <= hi.
  OptionSpec& range(double lo, double hi) {
    using option_rules_detail::show;
    return apply("a value in [" + show(lo) + ", " + show(hi) + "]",
                 [&](const auto& x) { return static_cast<double>(x) >= lo && static_cast<double>(x) <= hi; });
  }
  OptionSpec& at_least(double lo) {
    return apply("a value >= " + option_rules_detail::show(lo), [&](const auto& x) { return static_cast<double>(x) >= lo; });
  }
  OptionSpec& positive() {
    return apply("a value > 0", [](const auto& x) { return x > 0; });
  }
  OptionSpec& non_negative() {
    return apply("a value >= 0", [](const auto& x) { return x >= 0; });
  }

 private:
  template <class Pred>
  OptionSpec& apply(const std::string& expected, Pred&& ok) {
    if (!sink_) return *this;
    sink_->rule(expected);
    option_rules_detail::for_each_value(value_, [&](const auto& x, int64_t index) {
      if (!ok(x)) sink_->fail(index, expected, option_rules_detail::show(x));
    });
    return *this;
  }
  const T& value_;
  OptionRuleSink* sink_;
};

}  // namespace detseq
