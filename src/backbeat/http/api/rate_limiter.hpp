#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace backbeat::http {

// Token buckets keyed by a 64-bit key (a hash of the presented API key): `rate` tokens per
// second, up to `burst`. Thread-safe. Memory is bounded: when the table grows past
// `max_keys` it is cleared, which only ever errs towards letting requests through.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double rate_per_second, double burst, size_t max_keys = 100000);

  // True if a request may proceed now; otherwise `retry_after` is how long until it may.
  bool Allow(uint64_t key, Clock::time_point now, std::chrono::seconds* retry_after);
  bool enabled() const { return rate_ > 0; }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  const double rate_;
  const double burst_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<uint64_t, Bucket> buckets_;  // guarded by mu_
};

}  // namespace backbeat::http
