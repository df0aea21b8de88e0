#pragma once

#include <atomic>

namespace backbeat::metrics::internal {

static_assert(std::atomic<double>::is_always_lock_free, "metrics need lock-free atomic<double>");

// Adds `delta` to `target` with a compare-and-swap loop: lock-free, never allocates or throws.
// Relaxed ordering: a metric value orders no other memory, and a scrape reads each on its own.
inline void AtomicAdd(std::atomic<double>& target, double delta) noexcept {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
    // `current` now holds the value another thread stored; retry from it.
  }
}

}  // namespace backbeat::metrics::internal
