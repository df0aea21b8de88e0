#include <gtest/gtest.h>

#include "backbeat/core/cron/cron_expression.hpp"

namespace backbeat::core::cron {
namespace {

std::string Describe(std::string_view text) {
  Result<CronExpression> r = CronExpression::Parse(text, {.allow_seconds = true});
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? r->Describe() : "";
}

TEST(CronDescribeTest, FixedTimes) {
  EXPECT_EQ(Describe("0 9 * * 4"), "At 09:00 on Thursday");
  EXPECT_EQ(Describe("30 9,17 * * MON-FRI"), "At 09:30 and 17:30 on Monday through Friday");
  EXPECT_EQ(Describe("15 30 9 * * *"), "At 09:30:15");
  EXPECT_EQ(Describe("0 22 * * 1-5"), "At 22:00 on Monday through Friday");
  EXPECT_EQ(Describe("0 0 * * SUN,SAT"), "At 00:00 on Sunday and Saturday");
}

TEST(CronDescribeTest, Repeating) {
  EXPECT_EQ(Describe("* * * * *"), "Every minute");
  EXPECT_EQ(Describe("0 * * * *"), "Every hour");
  EXPECT_EQ(Describe("@hourly"), "Every hour");
  EXPECT_EQ(Describe("*/15 * * * *"), "Every 15 minutes");
  EXPECT_EQ(Describe("*/10 * * * * *"), "Every 10 seconds");
  EXPECT_EQ(Describe("5 * * * *"), "At minute 5 past every hour");
  EXPECT_EQ(Describe("5,35 */2 * * *"), "At minutes 5 and 35 past every 2 hours");
  EXPECT_EQ(Describe("*/15 9-17 * * 1-5"),
            "Every 15 minutes between 09:00 and 17:59 on Monday through Friday");
}

TEST(CronDescribeTest, SpecialDays) {
  EXPECT_EQ(Describe("0 12 ? * MON#2"), "At 12:00 on the 2nd Monday of the month");
  EXPECT_EQ(Describe("0 18 L * *"), "At 18:00, on the last day of the month");
  EXPECT_EQ(Describe("0 9 LW * *"), "At 09:00, on the last weekday of the month");
  EXPECT_EQ(Describe("0 0 ? * 5L"), "At 00:00 on the last Friday of the month");
  EXPECT_EQ(Describe("0 9 15W * ?"), "At 09:00, on the weekday nearest day 15 of the month");
}

TEST(CronDescribeTest, BothDayFieldsSaySo) {
  // The Vixie OR rule, spelled out.
  EXPECT_EQ(Describe("0 0 */2 * 1"), "At 00:00, on every 2nd day of the month or on Monday");
}

TEST(CronDescribeTest, Months) {
  EXPECT_EQ(Describe("@yearly"), "At 00:00, on day 1 of the month, in January");
  EXPECT_EQ(Describe("0 0 1 */3 *"), "At 00:00, on day 1 of the month, in every 3rd month");
  EXPECT_EQ(Describe("0 0 1,15 JAN-MAR *"),
            "At 00:00, on days 1 and 15 of the month, in January through March");
}

}  // namespace
}  // namespace backbeat::core::cron
