#pragma once

#include <atomic>

#include "backbeat/metrics/atomic_add.hpp"

namespace backbeat::metrics {

// A value that goes up and down (Prometheus type `gauge`), a double. For a value that lives
// elsewhere (a queue's depth), Registry::AddCallbackGauge reads it at scrape time instead.
//
// Thread-safe and lock-free: Set is an atomic store, Add and Sub a compare-and-swap loop; none
// allocates or throws. Owned by its family inside a Registry, like Counter. Not copyable.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) noexcept { internal::AtomicAdd(value_, delta); }
  void Sub(double delta) noexcept { internal::AtomicAdd(value_, -delta); }
  double Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

}  // namespace backbeat::metrics
