#include "backbeat/http/api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace backbeat::http {

RateLimiter::RateLimiter(double rate_per_second, double burst, size_t max_keys)
    : rate_(rate_per_second), burst_(std::max(burst, 1.0)), max_keys_(max_keys) {}

bool RateLimiter::Allow(uint64_t key, Clock::time_point now, std::chrono::seconds* retry_after) {
  if (rate_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() >= max_keys_ && !buckets_.contains(key)) buckets_.clear();
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!inserted) {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  if (retry_after) {
    *retry_after = std::chrono::seconds(
        std::max<long long>(1, static_cast<long long>(std::ceil((1.0 - b.tokens) / rate_))));
  }
  return false;
}

}  // namespace backbeat::http
