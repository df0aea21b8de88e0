#include "backbeat/tzdb/posix_rule.hpp"

#include <gtest/gtest.h>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::tzdb {
namespace {

using core::Instant;
using core::LocalResolution;
using std::chrono::hours;
using std::chrono::minutes;

Instant T(const char* iso) { return *core::ParseIso8601(iso); }
core::LocalSeconds L(const char* iso) { return core::LocalSeconds{T(iso).time_since_epoch()}; }

TEST(PosixRuleTest, NewYorkTransitionsFollowTheMonthWeekDayRule) {
  PosixRule rule = *PosixRule::Parse("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(rule.has_dst());
  // 2045: second Sunday of March is the 12th, first Sunday of November the 5th.
  core::ZoneSegment summer = rule.SegmentAt(T("2045-07-01T00:00:00Z"));
  EXPECT_EQ(summer.offset, -hours(4));
  EXPECT_EQ(summer.begin, T("2045-03-12T07:00:00Z"));
  EXPECT_EQ(summer.end, T("2045-11-05T06:00:00Z"));
  core::ZoneSegment winter = rule.SegmentAt(T("2045-12-01T00:00:00Z"));
  EXPECT_EQ(winter.offset, -hours(5));
  EXPECT_EQ(winter.begin, T("2045-11-05T06:00:00Z"));
  EXPECT_EQ(winter.end, T("2046-03-11T07:00:00Z"));
}

TEST(PosixRuleTest, SouthernHemisphereWithHalfHourShift) {
  // Lord Howe: +10:30 standard, +11 in summer (first Sunday of October to first of April).
  PosixRule rule = *PosixRule::Parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  EXPECT_EQ(rule.SegmentAt(T("2045-01-15T00:00:00Z")).offset, hours(11));
  EXPECT_EQ(rule.SegmentAt(T("2045-06-15T00:00:00Z")).offset, hours(10) + minutes(30));
  // 2045-10-01 is a Sunday: 02:00 local standard time = 2045-09-30T15:30Z.
  EXPECT_EQ(rule.SegmentAt(T("2045-06-15T00:00:00Z")).end, T("2045-09-30T15:30:00Z"));
}

TEST(PosixRuleTest, TransitionTimesBeyondTwentyFourHours) {
  // Santiago: "/24" means midnight at the end of the named Saturday.
  PosixRule rule = *PosixRule::Parse("<-04>4<-03>,M9.1.6/24,M4.1.6/24");
  // First Saturday of September 2045 is the 2nd; 24:00 local (-4) = 2045-09-03T04:00Z.
  EXPECT_EQ(rule.SegmentAt(T("2045-08-01T00:00:00Z")).end, T("2045-09-03T04:00:00Z"));
  PosixRule nuuk = *PosixRule::Parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  // Last Sunday of March 2045 is the 26th; -1:00 local (-2) = 2045-03-25T25:00 = 03-26T01:00Z.
  EXPECT_EQ(nuuk.SegmentAt(T("2045-02-01T00:00:00Z")).end, T("2045-03-26T01:00:00Z"));
}

TEST(PosixRuleTest, ResolvesGapsAndRepeats) {
  PosixRule rule = *PosixRule::Parse("EST5EDT,M3.2.0,M11.1.0");
  LocalResolution gap = rule.Resolve(L("2045-03-12T02:30:00Z"));
  EXPECT_EQ(gap.kind, LocalResolution::Kind::kSkipped);
  EXPECT_EQ(gap.first.end, T("2045-03-12T07:00:00Z"));
  EXPECT_EQ(gap.second.offset, -hours(4));
  LocalResolution repeat = rule.Resolve(L("2045-11-05T01:30:00Z"));
  EXPECT_EQ(repeat.kind, LocalResolution::Kind::kRepeated);
  EXPECT_EQ(repeat.first.offset, -hours(4));
  EXPECT_EQ(repeat.second.offset, -hours(5));
  EXPECT_EQ(rule.Resolve(L("2045-07-01T12:00:00Z")).kind, LocalResolution::Kind::kUnique);
}

TEST(PosixRuleTest, ZonesWithoutDst) {
  PosixRule india = *PosixRule::Parse("IST-5:30");
  EXPECT_FALSE(india.has_dst());
  EXPECT_EQ(india.SegmentAt(T("2050-01-01T00:00:00Z")).offset, hours(5) + minutes(30));
  PosixRule tehran = *PosixRule::Parse("<+0330>-3:30");
  EXPECT_EQ(tehran.SegmentAt(T("2050-01-01T00:00:00Z")).offset, hours(3) + minutes(30));
}

TEST(PosixRuleTest, JulianDayForms) {
  // J60 is March 1 in every year (February 29 never counted); 59 (zero-based) is Feb 29 or Mar 1.
  PosixRule j = *PosixRule::Parse("AAA0BBB,J60/0,J300/0");
  EXPECT_EQ(j.SegmentAt(T("2048-02-15T00:00:00Z")).end, T("2048-03-01T00:00:00Z"));
  PosixRule n = *PosixRule::Parse("AAA0BBB,59/0,300/0");
  EXPECT_EQ(n.SegmentAt(T("2048-02-15T00:00:00Z")).end, T("2048-02-29T00:00:00Z"));
}

TEST(PosixRuleTest, RejectsMalformedRules) {
  for (const char* bad : {"", "E", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
                          "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,M3.2.0", "EST5EDT,J0,J10",
                          "EST5EDT,M3.2.0/200,M11.1.0", "EST5EDT,M3.2.0,M11.1.0x", "<+01-1"}) {
    EXPECT_FALSE(PosixRule::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace backbeat::tzdb
