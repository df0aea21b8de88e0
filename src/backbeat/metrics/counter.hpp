#pragma once

#include <atomic>
#include <cstdint>

namespace backbeat::metrics {

// A monotonic count of events (Prometheus type `counter`). The value is an unsigned 64-bit
// integer so that increments from any number of threads sum exactly; durations and other
// fractional totals belong in a Histogram (its `_sum`).
//
// Thread-safe and lock-free: Increment is one relaxed atomic add and never allocates or throws.
// Counters are owned by their family inside a Registry, which hands out references that stay
// valid for the registry's lifetime. Not copyable or movable.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  static_assert(std::atomic<uint64_t>::is_always_lock_free);
  std::atomic<uint64_t> value_{0};
};

}  // namespace backbeat::metrics
