#include "backbeat/scheduler/database_clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "backbeat/storage/memory/memory_storage.hpp"

namespace backbeat::scheduler {
namespace {

using std::chrono::milliseconds;

class ManualClock final : public core::Clock {
 public:
  core::Millis Now() const override { return core::Millis{milliseconds{now_ms.load()}}; }
  std::atomic<int64_t> now_ms{1'800'000'000'000};
};

// A database whose server clock runs `ahead_ms` ahead of the node, or fails when told to. The
// stores are the memory backend's: only the clock is of interest here.
class ClockedStorage final : public storage::Storage {
 public:
  explicit ClockedStorage(const ManualClock& node) : node_(node) {}
  storage::TaskStore& tasks() override { return memory_.tasks(); }
  storage::RunStore& runs() override { return memory_.runs(); }
  storage::AccountStore& accounts() override { return memory_.accounts(); }
  storage::ScheduleStore& schedule() override { return memory_.schedule(); }
  core::Status Ping() override { return core::Status::Ok(); }
  core::Result<std::optional<core::Millis>> DatabaseTime() override {
    ++reads;
    if (fail) return core::Unavailable("database restarting");
    return std::optional<core::Millis>{node_.Now() + milliseconds(ahead_ms.load())};
  }
  std::atomic<int64_t> ahead_ms{0};
  std::atomic<bool> fail{false};
  std::atomic<int> reads{0};

 private:
  const ManualClock& node_;
  storage::memory::MemoryStorage memory_;
};

TEST(DatabaseClockTest, FollowsTheDatabaseClockAndKeepsTheLastOffsetOnErrors) {
  ManualClock node;
  ClockedStorage db(node);
  db.ahead_ms = 4250;
  DatabaseClock clock(node, db, std::chrono::hours(1));
  EXPECT_TRUE(clock.tracking());
  EXPECT_EQ(clock.Now(), node.Now() + milliseconds(4250));
  EXPECT_DOUBLE_EQ(clock.OffsetSeconds(), 4.25);
  node.now_ms += 60'000;  // the node's clock moves on; the offset follows it
  EXPECT_EQ(clock.Now(), node.Now() + milliseconds(4250));

  db.ahead_ms = -1500;  // the node's clock drifted
  ASSERT_TRUE(clock.Measure().ok());
  EXPECT_EQ(clock.Now(), node.Now() - milliseconds(1500));

  db.fail = true;
  EXPECT_FALSE(clock.Measure().ok());
  EXPECT_EQ(clock.Now(), node.Now() - milliseconds(1500));
}

TEST(DatabaseClockTest, RemeasuresInTheBackground) {
  ManualClock node;
  ClockedStorage db(node);
  DatabaseClock clock(node, db, milliseconds(5));
  db.ahead_ms = 700;
  const int before = db.reads;
  for (int i = 0; i < 2000 && (db.reads < before + 2 || clock.OffsetSeconds() != 0.7); ++i) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_DOUBLE_EQ(clock.OffsetSeconds(), 0.7);
}

TEST(DatabaseClockTest, ALocalDatabaseLeavesTheNodeClockAlone) {
  ManualClock node;
  storage::memory::MemoryStorage memory;
  DatabaseClock clock(node, memory, milliseconds(1));
  EXPECT_FALSE(clock.tracking());
  EXPECT_EQ(clock.Now(), node.Now());
  EXPECT_EQ(clock.OffsetSeconds(), 0.0);
}

}  // namespace
}  // namespace backbeat::scheduler
