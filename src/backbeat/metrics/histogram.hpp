#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

namespace backbeat::metrics {

// True if `bounds` can be a histogram's bucket upper bounds: finite and strictly increasing
// (the `+Inf` bucket is always added, so it must not be listed). Empty is valid: only `+Inf`.
bool IsValidBucketBounds(std::span<const double> bounds);

// Bucket bounds for latencies in seconds: 0.5 ms to 10 s, roughly 1-2.5-5 per decade.
std::vector<double> DefaultLatencyBuckets();

// Observations counted into buckets fixed at creation (Prometheus type `histogram`): for each
// upper bound `le`, how many observations were <= it, plus their sum and count.
//
// Thread-safe and lock-free: Observe finds the bucket by binary search, adds one to it with a
// relaxed atomic add and adds the value to the sum with a compare-and-swap loop; it never
// allocates or throws. Read may run during Observe calls: each bucket is read atomically and the
// count is the sum of the buckets read (so `_count` always equals the `+Inf` bucket), but the
// sum may include an observation whose bucket was read before it landed. Not copyable.
class Histogram {
 public:
  // Throws std::invalid_argument if !IsValidBucketBounds(bounds). Histograms are created when
  // metrics are registered at start-up, the one place this library throws (see README.md).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose bound is >= value (bounds are inclusive). NaN is
  // counted only in `+Inf` and makes the sum NaN, as the Go client does.
  void Observe(double value) noexcept;

  struct Snapshot {
    // One entry per bound plus the last for `+Inf`; cumulative, so the last equals `count`.
    std::vector<uint64_t> cumulative_counts;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> counts_;  // bounds_.size() + 1 buckets, not cumulative
  std::atomic<double> sum_{0.0};
};

}  // namespace backbeat::metrics
