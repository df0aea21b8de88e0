#include "backbeat/metrics/registry.hpp"

#include <stdexcept>
#include <utility>

#include "backbeat/metrics/text_format.hpp"

namespace backbeat::metrics {
namespace {

[[noreturn]] void Fail(std::string_view metric, std::string_view problem) {
  std::string message = "metrics: ";
  message += metric;
  message += ": ";
  message += problem;
  throw std::invalid_argument(message);
}

void CheckMetricName(std::string_view name) {
  if (!IsValidMetricName(name)) Fail(name, "invalid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)");
}

void CheckLabelNames(std::string_view metric, const std::vector<std::string>& label_names,
                     bool histogram) {
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidLabelName(label)) {
      Fail(metric, "invalid label name \"" + label +
                       "\" (want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
    }
    if (histogram && label == "le") Fail(metric, "label name \"le\" is reserved in histograms");
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label) Fail(metric, "label name \"" + label + "\" is repeated");
    }
  }
}

void CheckBounds(std::string_view metric, const std::vector<double>& bounds) {
  if (!IsValidBucketBounds(bounds)) {
    Fail(metric, "histogram bucket bounds must be finite and strictly increasing");
  }
}

// A gauge read at scrape time; one sample, no labels.
class CallbackGauge final : public internal::FamilyBase {
 public:
  CallbackGauge(std::string name, std::string help, std::function<double()> value)
      : name_(std::move(name)), help_(std::move(help)), value_(std::move(value)) {}

  void RenderTo(std::string& out) const override {
    AppendHelpAndType(out, name_, help_, "gauge");
    AppendSample(out, name_, "", "", value_());
  }

 private:
  const std::string name_;
  const std::string help_;
  const std::function<double()> value_;
};

}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

template <typename Metric>
Family<Metric>& Registry::AddFamily(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names, Kind kind,
                                    typename Family<Metric>::Factory make_child) {
  CheckMetricName(name);
  CheckLabelNames(name, label_names, kind == Kind::kHistogram);
  // Family's constructor is private to Registry, so std::make_unique cannot call it.
  std::unique_ptr<Family<Metric>> family(new Family<Metric>(
      std::string(name), std::string(help), std::move(label_names), std::move(make_child)));
  Family<Metric>& result = *family;
  Register(name, kind, std::move(family));
  return result;
}

void Registry::Register(std::string_view name, Kind kind,
                        std::unique_ptr<internal::FamilyBase> family) {
  std::vector<std::string> names{std::string(name)};
  if (kind == Kind::kHistogram) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      names.push_back(std::string(name).append(suffix));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& taken : names) {
    if (taken_names_.contains(taken)) Fail(name, "the name \"" + taken + "\" is already taken");
  }
  taken_names_.insert(names.begin(), names.end());
  families_.push_back(std::move(family));
}

Counter& Registry::AddCounter(std::string_view name, std::string_view help) {
  return AddCounterFamily(name, help, {}).With(std::span<const std::string_view>());
}

CounterFamily& Registry::AddCounterFamily(std::string_view name, std::string_view help,
                                          std::vector<std::string> label_names) {
  return AddFamily<Counter>(name, help, std::move(label_names), Kind::kCounter,
                            [] { return std::make_unique<Counter>(); });
}

Gauge& Registry::AddGauge(std::string_view name, std::string_view help) {
  return AddGaugeFamily(name, help, {}).With(std::span<const std::string_view>());
}

GaugeFamily& Registry::AddGaugeFamily(std::string_view name, std::string_view help,
                                      std::vector<std::string> label_names) {
  return AddFamily<Gauge>(name, help, std::move(label_names), Kind::kGauge,
                          [] { return std::make_unique<Gauge>(); });
}

void Registry::AddCallbackGauge(std::string_view name, std::string_view help,
                                std::function<double()> value) {
  CheckMetricName(name);
  if (!value) Fail(name, "callback gauge without a callback");
  Register(name, Kind::kGauge,
           std::make_unique<CallbackGauge>(std::string(name), std::string(help), std::move(value)));
}

Histogram& Registry::AddHistogram(std::string_view name, std::string_view help,
                                  std::vector<double> bounds) {
  return AddHistogramFamily(name, help, {}, std::move(bounds))
      .With(std::span<const std::string_view>());
}

HistogramFamily& Registry::AddHistogramFamily(std::string_view name, std::string_view help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> bounds) {
  CheckBounds(name, bounds);
  return AddFamily<Histogram>(
      name, help, std::move(label_names), Kind::kHistogram,
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
}

std::string Registry::Render() const {
  std::string out;
  RenderTo(out);
  return out;
}

void Registry::RenderTo(std::string& out) const {
  std::vector<const internal::FamilyBase*> families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    families.reserve(families_.size());
    for (const auto& family : families_) families.push_back(family.get());
  }
  for (const internal::FamilyBase* family : families) family->RenderTo(out);
}

}  // namespace backbeat::metrics
