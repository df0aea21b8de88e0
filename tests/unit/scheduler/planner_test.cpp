#include "backbeat/scheduler/planner.hpp"

#include <gtest/gtest.h>

#include "backbeat/core/time/fixed_offset_zone.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::scheduler {
namespace {

using core::Instant;
using std::chrono::minutes;
using std::chrono::seconds;

Instant T(const char* iso) { return *core::ParseIso8601(iso); }

core::cron::CronExpression Cron(const char* text) {
  return *core::cron::CronExpression::Parse(text, {.allow_seconds = true});
}

core::Task HourlyTask(Instant next_slot) {
  core::Task task;
  task.id = "00000000-0000-4000-8000-000000000001";
  task.schedule = "0 * * * *";
  task.next_slot = next_slot;
  return task;
}

TEST(PlannerTest, NothingIsDueBeforeTheSlot) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T09:59:59Z"), 0);
  EXPECT_TRUE(plan.fire.empty());
  EXPECT_TRUE(plan.skipped.empty());
  EXPECT_EQ(plan.next_slot, T("2026-01-01T10:00:00Z"));
}

TEST(PlannerTest, FiresTheDueSlotAndAdvancesFromTheNominalSlot) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  // Late by 20 s: the next slot still follows the nominal 10:00, not "now".
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T10:00:20Z"), 0);
  EXPECT_EQ(plan.fire, std::vector<Instant>{T("2026-01-01T10:00:00Z")});
  EXPECT_TRUE(plan.skipped.empty());
  EXPECT_EQ(plan.next_slot, T("2026-01-01T11:00:00Z"));
}

TEST(PlannerTest, DisabledTasksPlanNothing) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  task.enabled = false;
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T12:00:00Z"), 0);
  EXPECT_TRUE(plan.fire.empty());
  EXPECT_TRUE(plan.skipped.empty());
}

TEST(PlannerTest, CatchupLatestFiresOnlyTheNewestMissedSlot) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  task.catchup_window_seconds = 6 * 3600;
  // Down from before 10:00 until 13:30: 10, 11, 12 and 13 were missed.
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T13:30:00Z"), 0);
  EXPECT_EQ(plan.fire, std::vector<Instant>{T("2026-01-01T13:00:00Z")});
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0], (SkippedSlots{T("2026-01-01T10:00:00Z"), T("2026-01-01T12:00:00Z"), 3,
                                           SkipReason::kCaughtUpLatest}));
  EXPECT_EQ(plan.next_slot, T("2026-01-01T14:00:00Z"));
}

TEST(PlannerTest, CatchupAllFiresEverySlotInTheWindow) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  task.catchup = core::Catchup::kAll;
  task.overlap = core::Overlap::kAllow;
  task.catchup_window_seconds = 2 * 3600 + 1800;  // 11:00 onwards is inside at 13:30
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T13:30:00Z"), 0);
  EXPECT_EQ(plan.fire, (std::vector<Instant>{T("2026-01-01T11:00:00Z"), T("2026-01-01T12:00:00Z"),
                                             T("2026-01-01T13:00:00Z")}));
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0], (SkippedSlots{T("2026-01-01T10:00:00Z"), T("2026-01-01T10:00:00Z"), 1,
                                           SkipReason::kOutsideWindow}));
}

TEST(PlannerTest, CatchupNoneSkipsMissedSlotsButFiresOnTimeOnes) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  task.catchup = core::Catchup::kNone;
  Plan missed = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T11:30:00Z"), 0);
  EXPECT_TRUE(missed.fire.empty());
  // 10:00 is older than the default one-hour window; 11:00 is inside it but late.
  ASSERT_EQ(missed.skipped.size(), 2u);
  EXPECT_EQ(missed.skipped[0], (SkippedSlots{T("2026-01-01T10:00:00Z"), T("2026-01-01T10:00:00Z"),
                                             1, SkipReason::kOutsideWindow}));
  EXPECT_EQ(missed.skipped[1], (SkippedSlots{T("2026-01-01T11:00:00Z"), T("2026-01-01T11:00:00Z"),
                                             1, SkipReason::kCatchupNone}));
  Plan on_time = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T10:00:30Z"), 0);
  EXPECT_EQ(on_time.fire, std::vector<Instant>{T("2026-01-01T10:00:00Z")});
}

TEST(PlannerTest, ZeroWindowSkipsEverythingLate) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  task.catchup_window_seconds = 0;
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T12:30:00Z"), 0);
  EXPECT_TRUE(plan.fire.empty());
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].count, 3);
  EXPECT_EQ(plan.skipped[0].reason, SkipReason::kOutsideWindow);
}

TEST(PlannerTest, OverlapSkipWhileARunIsActive) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T10:00:01Z"), 1);
  EXPECT_TRUE(plan.fire.empty());
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].reason, SkipReason::kOverlap);
  EXPECT_EQ(plan.next_slot, T("2026-01-01T11:00:00Z"));
}

TEST(PlannerTest, OverlapAllowAndQueueFireAnyway) {
  for (core::Overlap overlap : {core::Overlap::kAllow, core::Overlap::kQueue}) {
    core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
    task.overlap = overlap;
    Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T10:00:01Z"), 3);
    EXPECT_EQ(plan.fire.size(), 1u) << core::OverlapName(overlap);
  }
}

TEST(PlannerTest, CatchupAllWithOverlapSkipFiresOneAndSkipsTheRest) {
  core::Task task = HourlyTask(T("2026-01-01T10:00:00Z"));
  task.catchup = core::Catchup::kAll;
  task.catchup_window_seconds = 86400;
  Plan plan = PlanTask(task, Cron("0 * * * *"), core::UtcZone(), T("2026-01-01T12:00:05Z"), 0);
  EXPECT_EQ(plan.fire, std::vector<Instant>{T("2026-01-01T10:00:00Z")});
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].count, 2);
  EXPECT_EQ(plan.skipped[0].reason, SkipReason::kOverlap);
}

TEST(PlannerTest, EverySlotIsAccountedFor) {
  // Whatever the policy, fired + skipped equals the due slots, and nothing is counted twice.
  for (core::Catchup catchup :
       {core::Catchup::kLatest, core::Catchup::kAll, core::Catchup::kNone}) {
    for (core::Overlap overlap : {core::Overlap::kSkip, core::Overlap::kAllow}) {
      core::Task task = HourlyTask(T("2026-01-01T00:00:00Z"));
      task.schedule = "*/5 * * * *";
      task.catchup = catchup;
      task.overlap = overlap;
      task.catchup_window_seconds = 3 * 3600;
      Plan plan =
          PlanTask(task, Cron("*/5 * * * *"), core::UtcZone(), T("2026-01-01T10:02:00Z"), 0);
      int64_t skipped = 0;
      for (const SkippedSlots& s : plan.skipped) skipped += s.count;
      EXPECT_EQ(static_cast<int64_t>(plan.fire.size()) + skipped, 10 * 12 + 1)
          << core::CatchupName(catchup) << "/" << core::OverlapName(overlap);
      EXPECT_EQ(plan.next_slot, T("2026-01-01T10:05:00Z"));
    }
  }
}

TEST(PlannerTest, LongDowntimeIsBoundedPerPlan) {
  core::Task task = HourlyTask(T("2026-01-01T00:00:00Z"));
  task.schedule = "* * * * * *";
  PlannerOptions options;
  options.max_slots_per_plan = 1000;
  Plan plan =
      PlanTask(task, Cron("* * * * * *"), core::UtcZone(), T("2026-01-02T00:00:00Z"), 0, options);
  EXPECT_TRUE(plan.truncated);
  EXPECT_EQ(plan.next_slot, T("2026-01-01T00:16:40Z"));  // 1000 seconds walked
  int64_t skipped = 0;
  for (const SkippedSlots& s : plan.skipped) skipped += s.count;
  EXPECT_EQ(skipped, 1000);
}

TEST(PlannerTest, DstFixedTimeSlotAfterTheGapFiresOnce) {
  auto zones = tzdb::ZoneDatabase::Load();
  ASSERT_TRUE(zones.ok());
  const core::TimeZone& ny = **(*zones)->Find("America/New_York");
  core::Task task = HourlyTask(T("2026-03-07T07:30:00Z"));  // 02:30 EST on the 7th
  task.schedule = "30 2 * * *";
  task.timezone = "America/New_York";
  // The 8th's 02:30 does not exist: it fires at 03:00 EDT = 07:00Z, then 02:30 EDT on the 9th.
  Plan plan = PlanTask(task, Cron("30 2 * * *"), ny, T("2026-03-07T07:30:10Z"), 0);
  EXPECT_EQ(plan.next_slot, T("2026-03-08T07:00:00Z"));
  task.next_slot = plan.next_slot;
  Plan gap = PlanTask(task, Cron("30 2 * * *"), ny, T("2026-03-08T07:00:05Z"), 0);
  EXPECT_EQ(gap.fire, std::vector<Instant>{T("2026-03-08T07:00:00Z")});
  EXPECT_EQ(gap.next_slot, T("2026-03-09T06:30:00Z"));
}

}  // namespace
}  // namespace backbeat::scheduler
