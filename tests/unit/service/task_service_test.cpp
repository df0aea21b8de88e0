// TaskService on the in-memory store: a schedule that never fires in its zone is refused, as
// API.md section 6 says of expressions that can never fire. Found by the task_json fuzz target
// (fuzz/corpus/task_json/regression-never-fires-in-its-zone): the parser only refuses
// expressions that match no day, so a wildcard schedule whose every reading falls in a
// spring-forward gap was stored enabled, with no next slot and no upcoming fires.

#include "backbeat/service/task_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "backbeat/storage/memory/memory_storage.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::service {
namespace {

class FixedClock final : public core::Clock {
 public:
  core::Millis Now() const override { return now; }
  core::Millis now{std::chrono::milliseconds(1'774'602'000'000)};  // 2026-03-27T09:00:00Z
};

class CountingIds final : public IdSource {
 public:
  std::string NewUuid() override {
    char text[40];
    std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", ++n_);
    return text;
  }
  std::string NewRunId() override { return "run_" + std::to_string(++n_); }
  std::string NewToken(size_t) override { return "token" + std::to_string(++n_); }

 private:
  int n_ = 0;
};

// The second Sunday of March at 02:00-02:59 does not exist in New York since 2007: the clocks
// go from 02:00 to 03:00. A wildcard schedule (minute `*/30`) skips readings that do not exist.
constexpr std::string_view kNeverInNewYork = "*/30 2 ? 3 SUN#2";

class TaskServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = tzdb::ZoneDatabase::Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    zones_ = std::move(loaded).value();
    tasks_ = std::make_unique<TaskService>(storage_, *zones_, clock_, ids_, TaskService::Options{});
    admin_.account_id = "a0000000-0000-4000-8000-000000000001";
    admin_.is_admin = true;
  }

  static CreateTaskInput Input(std::string schedule, std::string timezone) {
    CreateTaskInput in;
    in.title = "t";
    in.prompt = "p";
    in.schedule = std::move(schedule);
    in.timezone = std::move(timezone);
    in.artist_account_id = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d";
    return in;
  }

  const core::Status kNeverFires = core::InvalidField(
      "schedule", "schedule is not a valid cron expression: it never fires in America/New_York");

  storage::memory::MemoryStorage storage_;
  FixedClock clock_;
  CountingIds ids_;
  std::unique_ptr<tzdb::ZoneDatabase> zones_;
  std::unique_ptr<TaskService> tasks_;
  core::Principal admin_;
};

TEST_F(TaskServiceTest, RefusesAnEnabledScheduleThatNeverFiresInItsZone) {
  auto created = tasks_->Create(admin_, Input(std::string(kNeverInNewYork), "America/New_York"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status(), kNeverFires);
  // Nothing was written.
  auto count = storage_.tasks().Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u);
}

TEST_F(TaskServiceTest, TheSameScheduleFiresInAZoneWithoutThatGap) {
  auto created = tasks_->Create(admin_, Input(std::string(kNeverInNewYork), "UTC"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(created->task.next_slot.has_value());
  EXPECT_EQ(created->upcoming.size(), 5u);
  EXPECT_EQ(created->upcoming.front(), *created->task.next_slot);
}

TEST_F(TaskServiceTest, ADisabledTaskMayHoldItButNotBeEnabledWithIt) {
  CreateTaskInput in = Input(std::string(kNeverInNewYork), "America/New_York");
  in.enabled = false;
  auto created = tasks_->Create(admin_, in);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->upcoming.empty());

  UpdateTaskInput enable;
  enable.id = created->task.id;
  enable.enabled = true;
  auto enabled = tasks_->Update(admin_, enable);
  ASSERT_FALSE(enabled.ok());
  EXPECT_EQ(enabled.status(), kNeverFires);
  auto stored = storage_.tasks().Get(created->task.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->enabled);
}

TEST_F(TaskServiceTest, MovingAFiringTaskIntoTheGapIsRefused) {
  auto created = tasks_->Create(admin_, Input("*/30 2 ? 3 SUN#2", "UTC"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  UpdateTaskInput move;
  move.id = created->task.id;
  move.timezone = "America/New_York";
  auto moved = tasks_->Update(admin_, move);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status(), kNeverFires);
  auto stored = storage_.tasks().Get(created->task.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->timezone, "UTC");
}

// Upcoming fires come from a memo per (schedule, zone) while no fire has passed; they must
// still move on once one has, and follow the clock backwards too.
TEST_F(TaskServiceTest, UpcomingFiresFollowTheClockThroughTheMemo) {
  CreateTaskInput in = Input("*/10 * * * *", "Europe/Berlin");
  auto created = tasks_->Create(admin_, in);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto fires_at = [&](std::chrono::seconds offset) {
    clock_.now = core::Millis{std::chrono::milliseconds(1'774'602'000'000)} + offset;
    ListTasksInput by_id;
    by_id.id = created->task.id;
    auto got = tasks_->List(admin_, by_id, std::nullopt);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || got->tasks.size() != 1) return std::vector<core::Instant>{};
    return got->tasks.front().upcoming;
  };
  const core::Instant base{std::chrono::seconds(1'774'602'000)};  // 09:00:00Z, a fire instant
  using std::chrono::minutes;
  using std::chrono::seconds;
  const std::vector<core::Instant> at_start = fires_at(seconds(0));
  ASSERT_EQ(at_start.size(), 5u);
  EXPECT_EQ(at_start.front(), base + minutes(10));
  EXPECT_EQ(fires_at(seconds(599)), at_start);  // still before the first fire
  const std::vector<core::Instant> after_first = fires_at(seconds(600));
  ASSERT_EQ(after_first.size(), 5u);
  EXPECT_EQ(after_first.front(), base + minutes(20));
  EXPECT_EQ(after_first.back(), base + minutes(60));
  const std::vector<core::Instant> earlier = fires_at(seconds(-1));  // the clock stepped back
  ASSERT_EQ(earlier.size(), 5u);
  EXPECT_EQ(earlier.front(), base);
}

}  // namespace
}  // namespace backbeat::service
