#include "backbeat/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "backbeat/metrics/atomic_add.hpp"

namespace backbeat::metrics {

bool IsValidBucketBounds(std::span<const double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) return false;
    if (i > 0 && !(bounds[i - 1] < bounds[i])) return false;
  }
  return true;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {
  if (!IsValidBucketBounds(bounds_)) {
    throw std::invalid_argument(
        "metrics: histogram bucket bounds must be finite and strictly increasing");
  }
}

void Histogram::Observe(double value) noexcept {
  // The first bound >= value. NaN compares false with every bound, so lower_bound would put it
  // in the first bucket; it goes to +Inf instead.
  size_t bucket = bounds_.size();
  if (!std::isnan(value)) {
    bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                 bounds_.begin());
  }
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  internal::AtomicAdd(sum_, value);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.cumulative_counts.reserve(counts_.size());
  for (const std::atomic<uint64_t>& count : counts_) {
    snapshot.count += count.load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(snapshot.count);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

}  // namespace backbeat::metrics
