// The `backbeat cron` commands, run as a user would run them.

#include <gtest/gtest.h>

#include "tests/e2e/subprocess.hpp"

namespace backbeat::testing {
namespace {

ProcessResult Backbeat(std::vector<std::string> args) {
  args.insert(args.begin(), BACKBEAT_BINARY);
  return RunProcess(args);
}

TEST(CronNextCommandTest, PrintsNextFiresInUtcWithZ) {
  ProcessResult r =
      Backbeat({"cron", "next", "0 9 * * 4", "--after", "2026-03-23T00:00:00Z", "-n", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2026-03-26T09:00:00Z\n2026-04-02T09:00:00Z\n2026-04-09T09:00:00Z\n");
  EXPECT_EQ(r.err, "");
}

TEST(CronNextCommandTest, StartsStrictlyAfterTheGivenInstant) {
  ProcessResult r =
      Backbeat({"cron", "next", "0 9 * * *", "--after", "2026-03-26T09:00:00Z", "-n", "1"});
  EXPECT_EQ(r.out, "2026-03-27T09:00:00Z\n");
}

TEST(CronNextCommandTest, ReadsTheScheduleInTheZone) {
  // 09:00 in New York is 13:00Z in summer time and 14:00Z in winter.
  ProcessResult r = Backbeat({"cron", "next", "0 9 * * *", "--tz", "us/eastern", "--after",
                              "2026-10-31T00:00:00Z", "-n", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2026-10-31T13:00:00Z\n2026-11-01T14:00:00Z\n");
}

TEST(CronNextCommandTest, SkippedLocalTimeFiresRightAfterTheGap) {
  // API.md: `30 2 * * *` in New York on 2025-03-09 fires at 03:00 EDT.
  ProcessResult r = Backbeat({"cron", "next", "30 2 * * *", "--tz", "America/New_York", "--after",
                              "2025-03-08T12:00:00Z", "-n", "2"});
  EXPECT_EQ(r.out, "2025-03-09T07:00:00Z\n2025-03-10T06:30:00Z\n");
}

TEST(CronNextCommandTest, SecondsNeedTheFlag) {
  ProcessResult without =
      Backbeat({"cron", "next", "*/20 * * * * *", "--after", "2026-01-01T00:00:00Z", "-n", "2"});
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_EQ(without.err,
            "invalid cron expression: expected 5 fields, got 6 (seconds are not enabled)\n");
  ProcessResult with = Backbeat({"cron", "next", "*/20 * * * * *", "--seconds", "--after",
                                 "2026-01-01T00:00:00Z", "-n", "2"});
  EXPECT_EQ(with.exit_code, 0);
  EXPECT_EQ(with.out, "2026-01-01T00:00:20Z\n2026-01-01T00:00:40Z\n");
}

TEST(CronNextCommandTest, InvalidExpressionExitsTwoWithThePreciseMessage) {
  ProcessResult r = Backbeat({"cron", "next", "0 25 * * *"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "invalid cron expression: hour value 25 out of range 0-23\n");
}

TEST(CronNextCommandTest, InvalidZoneExitsTwo) {
  ProcessResult r = Backbeat({"cron", "next", "0 9 * * *", "--tz", "Mars/Olympus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "unknown time zone \"Mars/Olympus\"\n");
}

TEST(CronNextCommandTest, InvalidAfterExitsTwo) {
  ProcessResult r = Backbeat({"cron", "next", "0 9 * * *", "--after", "yesterday"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("invalid instant \"yesterday\""), std::string::npos) << r.err;
}

TEST(CronNextCommandTest, DefaultsToFiveFiresFromNow) {
  ProcessResult r = Backbeat({"cron", "next", "* * * * *"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 5);
}

TEST(CronDescribeCommandTest, PrintsTheDescription) {
  ProcessResult r = Backbeat({"cron", "describe", "0 9 * * 4"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "At 09:00 on Thursday\n");
  ProcessResult bad = Backbeat({"cron", "describe", "0 0 30 2 *"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("never fires"), std::string::npos);
}

TEST(CliTest, UnknownCommandIsAUsageError) {
  ProcessResult r = Backbeat({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
}

}  // namespace
}  // namespace backbeat::testing
