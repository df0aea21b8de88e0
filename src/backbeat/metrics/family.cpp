#include "backbeat/metrics/family.hpp"

#include <stdexcept>
#include <utility>

#include "backbeat/metrics/text_format.hpp"

namespace backbeat::metrics {
namespace {

template <typename Metric>
constexpr std::string_view kTypeName = "";
template <>
constexpr std::string_view kTypeName<Counter> = "counter";
template <>
constexpr std::string_view kTypeName<Gauge> = "gauge";
template <>
constexpr std::string_view kTypeName<Histogram> = "histogram";

void AppendSamples(std::string& out, std::string_view name, std::string_view labels,
                   const Counter& counter) {
  AppendSample(out, name, "", labels, counter.Value());
}

void AppendSamples(std::string& out, std::string_view name, std::string_view labels,
                   const Gauge& gauge) {
  AppendSample(out, name, "", labels, gauge.Value());
}

void AppendSamples(std::string& out, std::string_view name, std::string_view labels,
                   const Histogram& histogram) {
  Histogram::Snapshot snapshot = histogram.Read();
  const std::vector<double>& bounds = histogram.bounds();
  std::string bucket_labels(labels);
  if (!bucket_labels.empty()) bucket_labels += ',';
  const size_t prefix = bucket_labels.size();
  for (size_t i = 0; i < snapshot.cumulative_counts.size(); ++i) {
    bucket_labels.resize(prefix);
    bucket_labels += "le=\"";
    if (i < bounds.size()) {
      AppendValue(bucket_labels, bounds[i]);
    } else {
      bucket_labels += "+Inf";
    }
    bucket_labels += '"';
    AppendSample(out, name, "_bucket", bucket_labels, snapshot.cumulative_counts[i]);
  }
  AppendSample(out, name, "_sum", labels, snapshot.sum);
  AppendSample(out, name, "_count", labels, snapshot.count);
}

std::string RenderLabels(const std::vector<std::string>& names,
                         const std::vector<std::string>& values) {
  std::string rendered;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) rendered += ',';
    rendered += names[i];
    rendered += "=\"";
    AppendEscapedLabelValue(rendered, values[i]);
    rendered += '"';
  }
  return rendered;
}

}  // namespace

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       Factory make_child)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      make_child_(std::move(make_child)) {}

template <typename Metric>
Metric& Family<Metric>::With(std::initializer_list<std::string_view> label_values) {
  return WithValues(std::span<const std::string_view>(label_values.begin(), label_values.size()));
}

template <typename Metric>
Metric& Family<Metric>::With(std::span<const std::string_view> label_values) {
  return WithValues(label_values);
}

template <typename Metric>
Metric& Family<Metric>::With(std::span<const std::string> label_values) {
  return WithValues(label_values);
}

template <typename Metric>
template <typename Values>
Metric& Family<Metric>::WithValues(const Values& label_values) {
  if (label_values.size() != label_names_.size()) {
    throw std::invalid_argument("metrics: " + name_ + " takes " +
                                std::to_string(label_names_.size()) + " label values, got " +
                                std::to_string(label_values.size()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(label_values);
  if (it == children_.end()) {
    std::vector<std::string> key(label_values.begin(), label_values.end());
    Child child{RenderLabels(label_names_, key), make_child_()};
    it = children_.emplace(std::move(key), std::move(child)).first;
  }
  return *it->second.metric;
}

template <typename Metric>
void Family<Metric>::RenderTo(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  AppendHelpAndType(out, name_, help_, kTypeName<Metric>);
  for (const auto& [values, child] : children_) {
    AppendSamples(out, name_, child.rendered_labels, *child.metric);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

}  // namespace backbeat::metrics
