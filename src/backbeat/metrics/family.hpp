#pragma once

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/metrics/counter.hpp"
#include "backbeat/metrics/gauge.hpp"
#include "backbeat/metrics/histogram.hpp"

namespace backbeat::metrics {

class Registry;

namespace internal {

// Orders lists of label values lexicographically, comparing a stored std::vector<std::string>
// with a std::span<const std::string_view> or std::span<const std::string> without copying.
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

// What the Registry holds and renders: one metric family, all its samples.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  // Appends `# HELP`, `# TYPE` and every sample in the text format.
  virtual void RenderTo(std::string& out) const = 0;
};

}  // namespace internal

// One metric name with a fixed list of label names, and one child metric per distinct list of
// label values (`Counter`, `Gauge` or `Histogram`). Created by a Registry, which owns it; it
// renders its children sorted by label values.
//
// Thread-safe. With() takes the family's mutex, finds or creates the child and returns a
// reference that stays valid as long as the registry lives; cache it where the values are known
// up front, and increment it without any lock. Children are never removed, so label values must
// come from a small fixed set (a route template, a status code), never from raw input.
template <typename Metric>
class Family final : public internal::FamilyBase {
 public:
  // The child for these label values, one per label name in registration order: `f.With({"/a",
  // "200"})`. Throws std::invalid_argument if the number of values differs from the number of
  // label names: a programming error, found the first time the call runs (see README.md).
  // Does not allocate when the child exists.
  Metric& With(std::initializer_list<std::string_view> label_values);
  Metric& With(std::span<const std::string_view> label_values);
  Metric& With(std::span<const std::string> label_values);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  void RenderTo(std::string& out) const override;

 private:
  friend class Registry;
  using Factory = std::function<std::unique_ptr<Metric>()>;

  // Names are validated by the Registry.
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         Factory make_child);

  template <typename Values>
  Metric& WithValues(const Values& label_values);

  struct Child {
    std::string rendered_labels;  // `a="x",b="y"`, escaped; empty without labels
    std::unique_ptr<Metric> metric;
  };

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const Factory make_child_;
  mutable std::mutex mu_;
  // Keyed by label values; a node-based map so children never move.
  std::map<std::vector<std::string>, Child, internal::LabelValuesLess> children_;  // guarded by mu_
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

}  // namespace backbeat::metrics
