#include "backbeat/scheduler/database_clock.hpp"

namespace backbeat::scheduler {

DatabaseClock::DatabaseClock(const core::Clock& local, storage::Storage& storage,
                             std::chrono::milliseconds refresh)
    : local_(local), storage_(storage) {
  core::Result<bool> first = Measure();
  // A database with a clock is tracked from now on, even if this first reading failed (it may
  // be restarting); one without a clock never will have one.
  tracking_ = !first.ok() || *first;
  if (tracking_) thread_ = std::thread([this, refresh] { Loop(refresh); });
}

DatabaseClock::~DatabaseClock() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

core::Result<bool> DatabaseClock::Measure() {
  const core::Millis before = local_.Now();
  core::Result<std::optional<core::Millis>> db = storage_.DatabaseTime();
  const core::Millis after = local_.Now();
  if (!db.ok()) return db.status();
  if (!*db) return false;
  const core::Millis midpoint = before + (after - before) / 2;
  offset_ms_.store((**db - midpoint).count(), std::memory_order_relaxed);
  return true;
}

void DatabaseClock::Loop(std::chrono::milliseconds refresh) {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, refresh, [this] { return stopping_; })) {
    lock.unlock();
    (void)Measure();  // a failure keeps the last offset; the next round tries again
    lock.lock();
  }
}

}  // namespace backbeat::scheduler
