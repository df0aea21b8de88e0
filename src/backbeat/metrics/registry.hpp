#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/metrics/counter.hpp"
#include "backbeat/metrics/family.hpp"
#include "backbeat/metrics/gauge.hpp"
#include "backbeat/metrics/histogram.hpp"

namespace backbeat::metrics {

// Owns metric families and renders them in the Prometheus text exposition format, version
// 0.0.4 (serve it with text_format.hpp's kContentType).
//
// Families are added once, at wiring time, and live as long as the registry; the references
// the Add* methods return stay valid until it is destroyed. Render lists families in
// registration order and each family's children sorted by label values, so the output is
// deterministic.
//
// Errors: a bad name, a name already taken (a histogram `x` also takes `x_bucket`, `x_sum` and
// `x_count`), a repeated or reserved label name (`__*`; `le` on histograms) or bad bucket bounds
// throw std::invalid_argument from the Add* method. Registration runs at start-up, so a mistake
// fails start-up with a message naming the metric; this is the only place the library throws
// (and Family::With, on a wrong number of label values). Updating a metric never throws.
//
// Thread-safe: Add* and Render take the registry's mutex; Render releases it before rendering
// each family (families are never removed), so metrics may be updated, children added and
// other families registered while it runs.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& AddCounter(std::string_view name, std::string_view help);
  CounterFamily& AddCounterFamily(std::string_view name, std::string_view help,
                                  std::vector<std::string> label_names);

  Gauge& AddGauge(std::string_view name, std::string_view help);
  GaugeFamily& AddGaugeFamily(std::string_view name, std::string_view help,
                              std::vector<std::string> label_names);

  // A gauge whose value `value()` computes at each Render, for state that lives elsewhere (a
  // queue's depth). It runs on the thread calling Render, possibly on several at once, without
  // any registry lock held; it must be thread-safe, must not throw, and should be quick.
  void AddCallbackGauge(std::string_view name, std::string_view help,
                        std::function<double()> value);

  // `bounds` are the buckets' inclusive upper bounds, finite and strictly increasing;
  // `+Inf` is always added. DefaultLatencyBuckets() suits durations in seconds.
  Histogram& AddHistogram(std::string_view name, std::string_view help, std::vector<double> bounds);
  HistogramFamily& AddHistogramFamily(std::string_view name, std::string_view help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> bounds);

  // The whole exposition: for each family `# HELP`, `# TYPE` and its samples.
  std::string Render() const;
  // Render, appended to `out` (lets a caller reuse a buffer).
  void RenderTo(std::string& out) const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };

  template <typename Metric>
  Family<Metric>& AddFamily(std::string_view name, std::string_view help,
                            std::vector<std::string> label_names, Kind kind,
                            typename Family<Metric>::Factory make_child);
  // Checks that the names `name` and `kind` produce are free, takes them and stores `family`.
  void Register(std::string_view name, Kind kind, std::unique_ptr<internal::FamilyBase> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<internal::FamilyBase>> families_;  // guarded by mu_; append-only
  std::set<std::string, std::less<>> taken_names_;               // guarded by mu_
};

}  // namespace backbeat::metrics
