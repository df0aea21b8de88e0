#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "backbeat/core/status.hpp"
#include "backbeat/core/time/clock.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::scheduler {

// The clock of a node sharing its database with others: the node's clock plus the measured
// offset of the database server's clock, so every node decides due-ness (and leases, and
// retention) on the one clock of the database, whatever their own clocks say. The offset is
// measured at start and then every `refresh` on a thread of its own; Now() never waits on the
// database. With a database that has no clock of its own (SQLite, memory) the offset stays 0.
//
// Thread-safety: Now() and OffsetSeconds() from any thread.
class DatabaseClock final : public core::Clock {
 public:
  DatabaseClock(const core::Clock& local, storage::Storage& storage,
                std::chrono::milliseconds refresh);
  ~DatabaseClock() override;
  DatabaseClock(const DatabaseClock&) = delete;
  DatabaseClock& operator=(const DatabaseClock&) = delete;

  core::Millis Now() const override {
    return local_.Now() + std::chrono::milliseconds(offset_ms_.load(std::memory_order_relaxed));
  }
  // Database clock minus node clock at the last measurement, in seconds (a metric).
  double OffsetSeconds() const { return offset_ms_.load(std::memory_order_relaxed) / 1000.0; }
  // Whether the database has a clock of its own (the offset is being tracked).
  bool tracking() const { return tracking_; }

  // One measurement: the database time against the midpoint of the round trip on the node.
  // Answers whether the database has a clock; an error leaves the last offset in place.
  core::Result<bool> Measure();

 private:
  void Loop(std::chrono::milliseconds refresh);

  const core::Clock& local_;
  storage::Storage& storage_;
  std::atomic<int64_t> offset_ms_{0};
  bool tracking_ = false;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace backbeat::scheduler
