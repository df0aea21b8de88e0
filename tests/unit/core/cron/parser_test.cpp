#include <gtest/gtest.h>

#include <string>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/fixed_offset_zone.hpp"

namespace backbeat::core::cron {
namespace {

std::string ErrorOf(std::string_view text, bool seconds = false) {
  Result<CronExpression> r = CronExpression::Parse(text, {.allow_seconds = seconds});
  if (r.ok()) return "<parsed>";
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  return r.status().message();
}

uint64_t Bits(std::initializer_list<int> values) {
  uint64_t b = 0;
  for (int v : values) b |= uint64_t{1} << v;
  return b;
}

CronExpression MustParse(std::string_view text, bool seconds = false) {
  Result<CronExpression> r = CronExpression::Parse(text, {.allow_seconds = seconds});
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return std::move(r).value();
}

TEST(CronParserTest, ParsesFiveFieldsWithImplicitZeroSeconds) {
  CronExpression e = MustParse("0 9 * * 4");
  EXPECT_FALSE(e.has_seconds());
  EXPECT_EQ(e.field(FieldKind::kSecond).bits, Bits({0}));
  EXPECT_EQ(e.field(FieldKind::kMinute).bits, Bits({0}));
  EXPECT_EQ(e.field(FieldKind::kHour).bits, Bits({9}));
  EXPECT_EQ(e.field(FieldKind::kDayOfWeek).bits, Bits({4}));
  EXPECT_TRUE(e.field(FieldKind::kDayOfMonth).wildcard);
  EXPECT_EQ(e.text(), "0 9 * * 4");
}

TEST(CronParserTest, ParsesListsRangesAndSteps) {
  EXPECT_EQ(MustParse("1,2,5-7 * * * *").field(FieldKind::kMinute).bits, Bits({1, 2, 5, 6, 7}));
  EXPECT_EQ(MustParse("1-30/7 * * * *").field(FieldKind::kMinute).bits, Bits({1, 8, 15, 22, 29}));
  EXPECT_EQ(MustParse("*/15 * * * *").field(FieldKind::kMinute).bits, Bits({0, 15, 30, 45}));
  EXPECT_EQ(MustParse("5/15 * * * *").field(FieldKind::kMinute).bits, Bits({5, 20, 35, 50}));
  EXPECT_EQ(MustParse("0 */6 * * *").field(FieldKind::kHour).bits, Bits({0, 6, 12, 18}));
  EXPECT_EQ(MustParse("0 0 */10 * *").field(FieldKind::kDayOfMonth).bits, Bits({1, 11, 21, 31}));
  EXPECT_EQ(MustParse("0 0 1 */4 *").field(FieldKind::kMonth).bits, Bits({1, 5, 9}));
}

TEST(CronParserTest, ParsesNamesInAnyCase) {
  EXPECT_EQ(MustParse("0 0 1 jan,Mar,DEC *").field(FieldKind::kMonth).bits, Bits({1, 3, 12}));
  EXPECT_EQ(MustParse("0 0 * * mon-FRI").field(FieldKind::kDayOfWeek).bits, Bits({1, 2, 3, 4, 5}));
  EXPECT_EQ(MustParse("0 0 * * SUN").field(FieldKind::kDayOfWeek).bits, Bits({0}));
}

TEST(CronParserTest, SevenAndZeroAreSunday) {
  EXPECT_EQ(MustParse("0 0 * * 7").field(FieldKind::kDayOfWeek).bits, Bits({0}));
  EXPECT_EQ(MustParse("0 0 * * 5-7").field(FieldKind::kDayOfWeek).bits, Bits({0, 5, 6}));
  EXPECT_EQ(MustParse("0 0 * * 0,7").field(FieldKind::kDayOfWeek).bits, Bits({0}));
  EXPECT_EQ(MustParse("0 0 * * 0-7/7").field(FieldKind::kDayOfWeek).bits, Bits({0}));
}

TEST(CronParserTest, QuestionMarkIsWildcardInDayFields) {
  CronExpression e = MustParse("0 0 ? * MON");
  EXPECT_TRUE(e.field(FieldKind::kDayOfMonth).wildcard);
  EXPECT_FALSE(e.field(FieldKind::kDayOfWeek).wildcard);
}

TEST(CronParserTest, StepOnStarIsRestricted) {
  // API.md: a day field is restricted unless it is exactly `*` or `?`.
  EXPECT_FALSE(MustParse("0 0 */1 * *").field(FieldKind::kDayOfMonth).wildcard);
}

TEST(CronParserTest, ParsesSpecialDayItems) {
  using Kind = FieldItem::Kind;
  EXPECT_EQ(MustParse("0 0 L * *").field(FieldKind::kDayOfMonth).items[0].kind, Kind::kLastDay);
  EXPECT_EQ(MustParse("0 0 lw * *").field(FieldKind::kDayOfMonth).items[0].kind,
            Kind::kLastWeekday);
  EXPECT_EQ(MustParse("0 0 15W * *").field(FieldKind::kDayOfMonth).items[0],
            (FieldItem{Kind::kNearestWeekday, 15, 15, 1}));
  EXPECT_EQ(MustParse("0 0 * * 5L").field(FieldKind::kDayOfWeek).items[0],
            (FieldItem{Kind::kLastOfWeek, 5, 5, 1}));
  EXPECT_EQ(MustParse("0 0 * * FRIL").field(FieldKind::kDayOfWeek).items[0],
            (FieldItem{Kind::kLastOfWeek, 5, 5, 1}));
  EXPECT_EQ(MustParse("0 0 * * MON#2").field(FieldKind::kDayOfWeek).items[0],
            (FieldItem{Kind::kNthOfWeek, 1, 2, 1}));
  EXPECT_EQ(MustParse("0 0 * * 7#1").field(FieldKind::kDayOfWeek).items[0],
            (FieldItem{Kind::kNthOfWeek, 0, 1, 1}));
}

TEST(CronParserTest, ExpandsMacros) {
  struct Case {
    const char* macro;
    const char* fields;
  };
  for (Case c :
       {Case{"@yearly", "0 0 1 1 *"}, Case{"@annually", "0 0 1 1 *"}, Case{"@monthly", "0 0 1 * *"},
        Case{"@weekly", "0 0 * * 0"}, Case{"@daily", "0 0 * * *"}, Case{"@midnight", "0 0 * * *"},
        Case{"@HOURLY", "0 * * * *"}}) {
    CronExpression m = MustParse(c.macro);
    CronExpression f = MustParse(c.fields);
    for (int k = 0; k < kFieldCount; ++k) {
      EXPECT_EQ(m.field(FieldKind(k)).bits, f.field(FieldKind(k)).bits) << c.macro;
    }
    EXPECT_EQ(m.is_fixed_time(), f.is_fixed_time()) << c.macro;
    EXPECT_EQ(m.text(), c.macro);
  }
}

TEST(CronParserTest, ClassifiesFixedTimeAndWildcard) {
  EXPECT_TRUE(MustParse("30 2 * * *").is_fixed_time());
  EXPECT_TRUE(MustParse("0-59 0-23 * * *").is_fixed_time());
  EXPECT_TRUE(MustParse("@daily").is_fixed_time());
  EXPECT_FALSE(MustParse("@hourly").is_fixed_time());
  EXPECT_FALSE(MustParse("*/30 * * * *").is_fixed_time());
  EXPECT_FALSE(MustParse("0 * * * *").is_fixed_time());
  EXPECT_FALSE(MustParse("0 */2 * * *").is_fixed_time());
  EXPECT_FALSE(MustParse("* 30 2 * * *", true).is_fixed_time());
  EXPECT_TRUE(MustParse("0 30 2 * * *", true).is_fixed_time());
}

TEST(CronParserTest, TrimsSurroundingBlanksAndAcceptsTabs) {
  EXPECT_EQ(MustParse("  0\t9  * * 4 ").field(FieldKind::kHour).bits, Bits({9}));
}

TEST(CronParserTest, SecondsNeedOption) {
  EXPECT_EQ(ErrorOf("0 0 9 * * 4"), "expected 5 fields, got 6 (seconds are not enabled)");
  EXPECT_TRUE(MustParse("*/10 * * * * *", true).has_seconds());
  EXPECT_EQ(MustParse("*/10 * * * * *", true).field(FieldKind::kSecond).bits,
            Bits({0, 10, 20, 30, 40, 50}));
}

TEST(CronParserTest, RejectsWrongFieldCounts) {
  EXPECT_EQ(ErrorOf(""), "expression is empty");
  EXPECT_EQ(ErrorOf("   "), "expression is empty");
  EXPECT_EQ(ErrorOf("* * * *"), "expected 5 fields, got 4");
  EXPECT_EQ(ErrorOf("* * * * * * *", true), "expected 5 or 6 fields, got 7");
  EXPECT_EQ(ErrorOf("* * * * * * * * * *", true), "expected 5 or 6 fields, got more than 7");
}

TEST(CronParserTest, RejectsOutOfRangeValuesNamingFieldAndValue) {
  EXPECT_EQ(ErrorOf("0 25 * * *"), "hour value 25 out of range 0-23");
  EXPECT_EQ(ErrorOf("60 * * * *"), "minute value 60 out of range 0-59");
  EXPECT_EQ(ErrorOf("0 0 0 * *"), "day-of-month value 0 out of range 1-31");
  EXPECT_EQ(ErrorOf("0 0 32 * *"), "day-of-month value 32 out of range 1-31");
  EXPECT_EQ(ErrorOf("0 0 * 13 *"), "month value 13 out of range 1-12");
  EXPECT_EQ(ErrorOf("0 0 * * 8"), "day-of-week value 8 out of range 0-7");
  EXPECT_EQ(ErrorOf("60 * * * * *", true), "second value 60 out of range 0-59");
  EXPECT_EQ(ErrorOf("99999999999 * * * *"), "minute value 99999999999 out of range 0-59");
}

TEST(CronParserTest, RejectsBadSteps) {
  EXPECT_EQ(ErrorOf("*/0 * * * *"), "minute step 0 out of range 1-59");
  EXPECT_EQ(ErrorOf("*/60 * * * *"), "minute step 60 out of range 1-59");
  EXPECT_EQ(ErrorOf("0 */24 * * *"), "hour step 24 out of range 1-23");
  EXPECT_EQ(ErrorOf("0 0 * * */8"), "day-of-week step 8 out of range 1-7");
  EXPECT_EQ(ErrorOf("*/0060 * * * *"), "minute step 60 out of range 1-59");
  EXPECT_EQ(ErrorOf("*/ * * * *"), "minute step \"\" is invalid");
  EXPECT_EQ(ErrorOf("*/x * * * *"), "minute step \"x\" is invalid");
  EXPECT_EQ(ErrorOf("1-5/2/3 * * * *"), "minute step \"2/3\" is invalid");
}

TEST(CronParserTest, RejectsReversedRanges) {
  EXPECT_EQ(ErrorOf("0 5-1 * * *"), "hour range 5-1 is reversed");
  EXPECT_EQ(ErrorOf("0 0 * * FRI-MON"), "day-of-week range 5-1 is reversed");
}

TEST(CronParserTest, RejectsEmptyItemsAndGarbage) {
  EXPECT_EQ(ErrorOf("1,,2 * * * *"), "minute field has an empty list item");
  EXPECT_EQ(ErrorOf("1, * * * *"), "minute field has an empty list item");
  EXPECT_EQ(ErrorOf("5x * * * *"), "minute value \"5x\" is invalid");
  EXPECT_EQ(ErrorOf("0 0 * JANUARY *"), "month value \"JANUARY\" is invalid");
  EXPECT_EQ(ErrorOf("0 0 * * MON-"), "day-of-week value \"MON-\" is invalid");
  EXPECT_EQ(ErrorOf("-5 * * * *"), "minute value \"-5\" is invalid");
  EXPECT_EQ(ErrorOf("*-5 * * * *"), "minute value \"*-5\" is invalid");
  EXPECT_EQ(ErrorOf("0 0 1-5W * *"), "day-of-month value \"1-5W\" is invalid");
  EXPECT_EQ(ErrorOf("0 0 ?,5 * *"), "day-of-month value \"?\" must stand alone");
  EXPECT_EQ(ErrorOf("? * * * *"), "minute value \"?\" is invalid (only day fields accept \"?\")");
  EXPECT_EQ(ErrorOf("0 L * * *"), "hour value \"L\" is invalid");
  EXPECT_EQ(ErrorOf("0 0 * * L"),
            "day-of-week value \"L\" needs a weekday before it (5L is the last Friday)");
  EXPECT_EQ(ErrorOf("0 0 15W/2 * *"), "day-of-month value \"15W/2\" is invalid");
}

TEST(CronParserTest, RejectsBadOccurrences) {
  EXPECT_EQ(ErrorOf("0 0 * * MON#6"), "day-of-week occurrence 6 out of range 1-5");
  EXPECT_EQ(ErrorOf("0 0 * * MON#0"), "day-of-week occurrence 0 out of range 1-5");
  EXPECT_EQ(ErrorOf("0 0 * * MON#"), "day-of-week occurrence \"\" is invalid");
  EXPECT_EQ(ErrorOf("0 0 * * 8#1"), "day-of-week value 8 out of range 0-7");
}

TEST(CronParserTest, RejectsUnknownMacros) {
  EXPECT_EQ(ErrorOf("@reboot"),
            "unknown macro \"@reboot\" (expected @yearly, @annually, @monthly, @weekly, @daily, "
            "@midnight or @hourly)");
  EXPECT_EQ(ErrorOf("@daily 5"), "unexpected text after macro \"@daily\"");
  EXPECT_EQ(ErrorOf("@every 5m"),
            "unknown macro \"@every\" (expected @yearly, @annually, @monthly, @weekly, @daily, "
            "@midnight or @hourly)");
}

TEST(CronParserTest, RejectsExpressionsThatNeverFire) {
  EXPECT_EQ(ErrorOf("0 0 30 2 *"),
            "expression never fires: no date matches day-of-month \"30\" in month \"2\"");
  EXPECT_EQ(ErrorOf("0 0 31 4,6,9,11 *"),
            "expression never fires: no date matches day-of-month \"31\" in month \"4,6,9,11\"");
  EXPECT_EQ(ErrorOf("0 0 30W 2 *"),
            "expression never fires: no date matches day-of-month \"30W\" in month \"2\"");
  EXPECT_EQ(ErrorOf("0 0 ? 2 MON#6"), "day-of-week occurrence 6 out of range 1-5");
  // Rare but possible: February 29 falling on a Monday, or a fifth Monday in February.
  EXPECT_EQ(ErrorOf("0 0 29 2 *"), "<parsed>");
  EXPECT_EQ(ErrorOf("0 0 ? 2 MON#5"), "<parsed>");
  // With both day fields restricted a day matching either fires (Vixie), so this fires.
  EXPECT_EQ(ErrorOf("0 0 30 2 MON"), "<parsed>");
}

TEST(CronParserTest, BoundsInputSize) {
  std::string long_expr(CronExpression::kMaxLength + 1, '1');
  EXPECT_EQ(ErrorOf(long_expr), "expression is longer than 256 characters");
  std::string many = "0";
  for (int i = 1; i <= 64; ++i) many += "," + std::to_string(i % 60);
  EXPECT_EQ(ErrorOf(many + " * * * *"), "minute field has more than 64 list items");
  // Every second listed one by one is still fine.
  std::string all = "0";
  for (int i = 1; i < 60; ++i) all += "," + std::to_string(i);
  EXPECT_EQ(ErrorOf(all + " * * * * *", true), "<parsed>");
}

TEST(CronParserTest, MessagesQuoteOnlyPrintableText) {
  EXPECT_EQ(ErrorOf("5\x01 * * * *"), "minute value \"5?\" is invalid");
}

}  // namespace
}  // namespace backbeat::core::cron
