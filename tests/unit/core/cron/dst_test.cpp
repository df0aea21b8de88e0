// Hand-derived DST cases (API.md section 6). Every expected instant below was worked out from
// the zone's published rule, not taken from the engine; the comment above each group gives the
// transition it relies on, as "local reading (offset) = UTC".
//
// The rule under test, as cron(8) of cronie/Vixie does it:
//  - fixed-time (no '*' leading the seconds, minute or hour field, not @hourly): a reading
//    skipped by a spring-forward fires at the first instant after the gap; a reading repeated
//    by a fall-back fires once, in its first pass;
//  - wildcard: the wall clock as it is; skipped readings never fire, repeated ones fire twice.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::core::cron {
namespace {

using Times = std::vector<std::string>;

class CronDstTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = tzdb::ZoneDatabase::Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    db_ = std::move(loaded).value().release();
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  static const TimeZone* Zone(std::string_view name) {
    auto zone = db_->Find(name);
    EXPECT_TRUE(zone.ok()) << name;
    return zone.ok() ? *zone : nullptr;
  }

  static std::optional<CronExpression> Cron(std::string_view text) {
    auto parsed = CronExpression::Parse(text, {.allow_seconds = true});
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
    if (!parsed.ok()) return std::nullopt;
    return std::move(parsed).value();
  }

  static Instant T(const char* iso) { return *ParseIso8601(iso); }

  // The next `n` fire times after `after`, as ISO strings so a failure shows readable times.
  static Times Upcoming(std::string_view text, std::string_view zone, const char* after, size_t n) {
    std::optional<CronExpression> expr = Cron(text);
    const TimeZone* tz = Zone(zone);
    if (!expr || tz == nullptr) return {"setup failed"};
    Times out;
    for (Instant t : expr->Upcoming(T(after), *tz, n)) out.push_back(FormatIso8601(t));
    return out;
  }

  // The `n` fire times before `before`, latest first: Prev, then Prev of that, and so on.
  static Times PrevChain(std::string_view text, std::string_view zone, const char* before,
                         size_t n) {
    std::optional<CronExpression> expr = Cron(text);
    const TimeZone* tz = Zone(zone);
    if (!expr || tz == nullptr) return {"setup failed"};
    Times out;
    Instant t = T(before);
    while (out.size() < n) {
      std::optional<Instant> prev = expr->Prev(t, *tz);
      if (!prev) break;
      out.push_back(FormatIso8601(*prev));
      t = *prev;
    }
    return out;
  }

  static tzdb::ZoneDatabase* db_;
};
tzdb::ZoneDatabase* CronDstTest::db_ = nullptr;

constexpr std::string_view kNewYork = "America/New_York";
constexpr std::string_view kLondon = "Europe/London";
constexpr std::string_view kBerlin = "Europe/Berlin";
constexpr std::string_view kLordHowe = "Australia/Lord_Howe";
constexpr std::string_view kChatham = "Pacific/Chatham";
constexpr std::string_view kSantiago = "America/Santiago";
constexpr std::string_view kTehran = "Asia/Tehran";
constexpr std::string_view kKolkata = "Asia/Kolkata";

// ---------------------------------------------------------------------------------------------
// America/New_York 2025. Spring: Sun 03-09 02:00 EST (-5) = 07:00Z becomes 03:00 EDT (-4), so
// 02:00-02:59 is skipped. Fall: Sun 11-02 02:00 EDT = 06:00Z becomes 01:00 EST, so 01:00-01:59
// shows twice: first pass 05:00Z-06:00Z (EDT), second pass 06:00Z-07:00Z (EST).

TEST_F(CronDstTest, NewYorkSpringForwardFixedTimeFiresAtFirstInstantAfterGap) {
  // The spec's own example: 02:30 does not exist on 03-09, so it fires at 03:00 EDT.
  EXPECT_EQ(Upcoming("30 2 * * *", kNewYork, "2025-03-08T08:00:00Z", 3),
            (Times{"2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z", "2025-03-11T06:30:00Z"}));
  // 03-08 02:00 EST = 07:00Z; 03-09 02:00 skipped -> 03:00 EDT = 07:00Z; 03-10 02:00 EDT.
  EXPECT_EQ(Upcoming("0 2 * * *", kNewYork, "2025-03-08T00:00:00Z", 3),
            (Times{"2025-03-08T07:00:00Z", "2025-03-09T07:00:00Z", "2025-03-10T06:00:00Z"}));
  // Seconds count too: 02:59:15 is skipped, so 03:00:00 EDT.
  EXPECT_EQ(Upcoming("15 59 2 * * *", kNewYork, "2025-03-09T00:00:00Z", 2),
            (Times{"2025-03-09T07:00:00Z", "2025-03-10T06:59:15Z"}));
}

TEST_F(CronDstTest, NewYorkSpringForwardFiresOnceForSkippedAndExistingReadingsAtGapEnd) {
  // 02:00 is skipped and 03:00 is the gap's end: both are due at 07:00Z, which fires once.
  EXPECT_EQ(Upcoming("0 2,3 * * *", kNewYork, "2025-03-09T05:00:00Z", 3),
            (Times{"2025-03-09T07:00:00Z", "2025-03-10T06:00:00Z", "2025-03-10T07:00:00Z"}));
  // Two skipped readings, one fire.
  EXPECT_EQ(Upcoming("0,30 2 * * *", kNewYork, "2025-03-09T05:00:00Z", 2),
            (Times{"2025-03-09T07:00:00Z", "2025-03-10T06:00:00Z"}));
}

TEST_F(CronDstTest, NewYorkSpringForwardWildcardFollowsTheClock) {
  // 01:00 EST, 01:30 EST, then the clock shows 03:00 EDT: every 30 real minutes.
  EXPECT_EQ(Upcoming("*/30 * * * *", kNewYork, "2025-03-09T06:00:00Z", 4),
            (Times{"2025-03-09T06:30:00Z", "2025-03-09T07:00:00Z", "2025-03-09T07:30:00Z",
                   "2025-03-09T08:00:00Z"}));
  // 01:00 EST = 06:00Z, no 02:00, 03:00 EDT = 07:00Z, 04:00 EDT = 08:00Z.
  for (const char* hourly : {"0 * * * *", "@hourly"}) {
    EXPECT_EQ(Upcoming(hourly, kNewYork, "2025-03-09T05:30:00Z", 3),
              (Times{"2025-03-09T06:00:00Z", "2025-03-09T07:00:00Z", "2025-03-09T08:00:00Z"}))
        << hourly;
  }
  // 01:59 EST is followed by 03:00 EDT one real minute later.
  EXPECT_EQ(Upcoming("* * * * *", kNewYork, "2025-03-09T06:58:30Z", 3),
            (Times{"2025-03-09T06:59:00Z", "2025-03-09T07:00:00Z", "2025-03-09T07:01:00Z"}));
  // A wildcard minute in a skipped hour: nothing on 03-09; the next 02:00 is 03-10 EDT.
  EXPECT_EQ(Upcoming("*/15 2 * * *", kNewYork, "2025-03-09T05:00:00Z", 2),
            (Times{"2025-03-10T06:00:00Z", "2025-03-10T06:15:00Z"}));
}

TEST_F(CronDstTest, NewYorkFallBackFixedTimeFiresOnceInFirstPass) {
  // 01:30 EDT = 05:30Z fires; 01:30 EST = 06:30Z does not; then 11-03 01:30 EST = 06:30Z.
  EXPECT_EQ(Upcoming("30 1 * * *", kNewYork, "2025-11-02T04:00:00Z", 2),
            (Times{"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}));
  // Asked during the second pass, before its 01:30: that reading already fired.
  EXPECT_EQ(Upcoming("30 1 * * *", kNewYork, "2025-11-02T06:10:00Z", 1),
            (Times{"2025-11-03T06:30:00Z"}));
  EXPECT_EQ(Upcoming("0 1 * * *", kNewYork, "2025-11-01T12:00:00Z", 2),
            (Times{"2025-11-02T05:00:00Z", "2025-11-03T06:00:00Z"}));
  // 02:00 is shown once, in EST (the EDT clock turned back before reaching it).
  EXPECT_EQ(Upcoming("0 2 * * *", kNewYork, "2025-11-01T12:00:00Z", 2),
            (Times{"2025-11-02T07:00:00Z", "2025-11-03T07:00:00Z"}));
  // 01:59:30 EDT = 05:59:30Z only.
  EXPECT_EQ(Upcoming("30 59 1 * * *", kNewYork, "2025-11-02T05:00:00Z", 2),
            (Times{"2025-11-02T05:59:30Z", "2025-11-03T06:59:30Z"}));
}

TEST_F(CronDstTest, NewYorkFallBackWildcardFiresInBothPasses) {
  EXPECT_EQ(Upcoming("*/30 * * * *", kNewYork, "2025-11-02T04:50:00Z", 5),
            (Times{"2025-11-02T05:00:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:00:00Z",
                   "2025-11-02T06:30:00Z", "2025-11-02T07:00:00Z"}));
  // 01:00 EDT, 01:00 EST, 02:00 EST.
  for (const char* hourly : {"0 * * * *", "@hourly"}) {
    EXPECT_EQ(Upcoming(hourly, kNewYork, "2025-11-02T04:30:00Z", 3),
              (Times{"2025-11-02T05:00:00Z", "2025-11-02T06:00:00Z", "2025-11-02T07:00:00Z"}))
        << hourly;
  }
  // The minute field leads with '*', so the repeated hour 1 fires in both passes.
  EXPECT_EQ(Upcoming("*/20 1 * * *", kNewYork, "2025-11-02T04:00:00Z", 6),
            (Times{"2025-11-02T05:00:00Z", "2025-11-02T05:20:00Z", "2025-11-02T05:40:00Z",
                   "2025-11-02T06:00:00Z", "2025-11-02T06:20:00Z", "2025-11-02T06:40:00Z"}));
}

TEST_F(CronDstTest, NewYorkPrevAcrossBothTransitions) {
  EXPECT_EQ(PrevChain("30 2 * * *", kNewYork, "2025-03-10T12:00:00Z", 3),
            (Times{"2025-03-10T06:30:00Z", "2025-03-09T07:00:00Z", "2025-03-08T07:30:00Z"}));
  EXPECT_EQ(PrevChain("*/30 * * * *", kNewYork, "2025-03-09T07:45:00Z", 4),
            (Times{"2025-03-09T07:30:00Z", "2025-03-09T07:00:00Z", "2025-03-09T06:30:00Z",
                   "2025-03-09T06:00:00Z"}));
  EXPECT_EQ(PrevChain("30 1 * * *", kNewYork, "2025-11-03T12:00:00Z", 3),
            (Times{"2025-11-03T06:30:00Z", "2025-11-02T05:30:00Z", "2025-11-01T05:30:00Z"}));
  // From 01:45 EST (second pass) the last fire is the first pass's 01:30 EDT.
  EXPECT_EQ(PrevChain("30 1 * * *", kNewYork, "2025-11-02T06:45:00Z", 1),
            (Times{"2025-11-02T05:30:00Z"}));
  // A wildcard walks back through both passes.
  EXPECT_EQ(PrevChain("30 * * * *", kNewYork, "2025-11-02T06:45:00Z", 3),
            (Times{"2025-11-02T06:30:00Z", "2025-11-02T05:30:00Z", "2025-11-02T04:30:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// Europe/London 2025. Spring: Sun 03-30 01:00 GMT = 01:00Z becomes 02:00 BST (+1), skipping
// 01:00-01:59. Fall: Sun 10-26 02:00 BST = 01:00Z becomes 01:00 GMT, so 01:00-01:59 shows in
// 00:00Z-01:00Z (BST) and again in 01:00Z-02:00Z (GMT).

TEST_F(CronDstTest, LondonBothTransitions) {
  // 03-29 01:30 GMT; 03-30 skipped -> 02:00 BST = 01:00Z; 03-31 01:30 BST = 00:30Z.
  EXPECT_EQ(Upcoming("30 1 * * *", kLondon, "2025-03-29T00:00:00Z", 3),
            (Times{"2025-03-29T01:30:00Z", "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kLondon, "2025-03-30T00:15:00Z", 3),
            (Times{"2025-03-30T00:30:00Z", "2025-03-30T01:00:00Z", "2025-03-30T01:30:00Z"}));
  // No 01:00 GMT; 02:00 BST = 01:00Z is the next whole hour shown.
  EXPECT_EQ(Upcoming("@hourly", kLondon, "2025-03-30T00:15:00Z", 2),
            (Times{"2025-03-30T01:00:00Z", "2025-03-30T02:00:00Z"}));
  // 01:30 BST, 01:00 GMT, 01:30 GMT, 02:00 GMT.
  EXPECT_EQ(Upcoming("*/30 * * * *", kLondon, "2025-10-26T00:10:00Z", 4),
            (Times{"2025-10-26T00:30:00Z", "2025-10-26T01:00:00Z", "2025-10-26T01:30:00Z",
                   "2025-10-26T02:00:00Z"}));
  EXPECT_EQ(Upcoming("30 1 * * *", kLondon, "2025-10-25T12:00:00Z", 2),
            (Times{"2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"}));
  EXPECT_EQ(Upcoming("0 * * * *", kLondon, "2025-10-25T23:30:00Z", 3),
            (Times{"2025-10-26T00:00:00Z", "2025-10-26T01:00:00Z", "2025-10-26T02:00:00Z"}));
  EXPECT_EQ(PrevChain("30 1 * * *", kLondon, "2025-10-26T01:45:00Z", 2),
            (Times{"2025-10-26T00:30:00Z", "2025-10-25T00:30:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// Europe/Berlin 2025. Spring: Sun 03-30 02:00 CET (+1) = 01:00Z becomes 03:00 CEST (+2).
// Fall: Sun 10-26 03:00 CEST = 01:00Z becomes 02:00 CET: 02:00-02:59 shows in 00:00Z-01:00Z
// and 01:00Z-02:00Z.

TEST_F(CronDstTest, BerlinBothTransitions) {
  EXPECT_EQ(Upcoming("30 2 * * *", kBerlin, "2025-03-29T00:00:00Z", 3),
            (Times{"2025-03-29T01:30:00Z", "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kBerlin, "2025-03-30T00:15:00Z", 3),
            (Times{"2025-03-30T00:30:00Z", "2025-03-30T01:00:00Z", "2025-03-30T01:30:00Z"}));
  // From 01:30 CET: no 02:00, then 03:00 CEST = 01:00Z, 04:00 CEST = 02:00Z.
  EXPECT_EQ(Upcoming("0 * * * *", kBerlin, "2025-03-30T00:30:00Z", 2),
            (Times{"2025-03-30T01:00:00Z", "2025-03-30T02:00:00Z"}));
  // From 01:30 CEST: 02:00 CEST, 02:00 CET, 03:00 CET.
  EXPECT_EQ(Upcoming("@hourly", kBerlin, "2025-10-25T23:30:00Z", 3),
            (Times{"2025-10-26T00:00:00Z", "2025-10-26T01:00:00Z", "2025-10-26T02:00:00Z"}));
  EXPECT_EQ(Upcoming("0 2 * * *", kBerlin, "2025-10-25T12:00:00Z", 2),
            (Times{"2025-10-26T00:00:00Z", "2025-10-27T01:00:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kBerlin, "2025-10-25T23:45:00Z", 5),
            (Times{"2025-10-26T00:00:00Z", "2025-10-26T00:30:00Z", "2025-10-26T01:00:00Z",
                   "2025-10-26T01:30:00Z", "2025-10-26T02:00:00Z"}));
  EXPECT_EQ(PrevChain("0 2 * * *", kBerlin, "2025-10-26T01:30:00Z", 2),
            (Times{"2025-10-26T00:00:00Z", "2025-10-25T00:00:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// Australia/Lord_Howe 2025, a 30-minute shift. Fall: Sun 04-06 02:00 (+11) = 04-05 15:00Z
// becomes 01:30 (+10:30): 01:30-01:59 shows in 14:30Z-15:00Z and 15:00Z-15:30Z. Spring: Sun
// 10-05 02:00 (+10:30) = 10-04 15:30Z becomes 02:30 (+11), skipping 02:00-02:29.

TEST_F(CronDstTest, LordHoweHalfHourFallBack) {
  // 01:30 (+11), 01:30 again (+10:30), 02:00, 02:30: every 30 real minutes.
  EXPECT_EQ(Upcoming("*/30 * * * *", kLordHowe, "2025-04-05T14:10:00Z", 4),
            (Times{"2025-04-05T14:30:00Z", "2025-04-05T15:00:00Z", "2025-04-05T15:30:00Z",
                   "2025-04-05T16:00:00Z"}));
  // 01:45 (+11) = 14:45Z only; next day 01:45 (+10:30) = 04-06 15:15Z.
  EXPECT_EQ(Upcoming("45 1 * * *", kLordHowe, "2025-04-05T12:00:00Z", 2),
            (Times{"2025-04-05T14:45:00Z", "2025-04-06T15:15:00Z"}));
  // Whole hours are not repeated: 01:00 (+11), then 02:00 is first shown at (+10:30).
  EXPECT_EQ(Upcoming("0 * * * *", kLordHowe, "2025-04-05T13:30:00Z", 3),
            (Times{"2025-04-05T14:00:00Z", "2025-04-05T15:30:00Z", "2025-04-05T16:30:00Z"}));
  // From 01:50 (+10:30, second pass) back to the first pass's 01:45.
  EXPECT_EQ(PrevChain("45 1 * * *", kLordHowe, "2025-04-05T15:20:00Z", 1),
            (Times{"2025-04-05T14:45:00Z"}));
}

TEST_F(CronDstTest, LordHoweHalfHourSpringForward) {
  // 10-04 02:15 (+10:30) = 10-03 15:45Z; 10-05 skipped -> 02:30 (+11); 10-06 02:15 (+11).
  EXPECT_EQ(Upcoming("15 2 * * *", kLordHowe, "2025-10-03T12:00:00Z", 3),
            (Times{"2025-10-03T15:45:00Z", "2025-10-04T15:30:00Z", "2025-10-05T15:15:00Z"}));
  // 02:00 is skipped and 02:30 is the gap's end: one fire.
  EXPECT_EQ(Upcoming("0,30 2 * * *", kLordHowe, "2025-10-04T12:00:00Z", 2),
            (Times{"2025-10-04T15:30:00Z", "2025-10-05T15:00:00Z"}));
  // 01:45 (+10:30), then 02:00 and 02:15 do not exist, 02:30 (+11), 02:45.
  EXPECT_EQ(Upcoming("*/15 * * * *", kLordHowe, "2025-10-04T15:10:00Z", 3),
            (Times{"2025-10-04T15:15:00Z", "2025-10-04T15:30:00Z", "2025-10-04T15:45:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kLordHowe, "2025-10-04T14:50:00Z", 3),
            (Times{"2025-10-04T15:00:00Z", "2025-10-04T15:30:00Z", "2025-10-04T16:00:00Z"}));
  // From 00:30 (+10:30): 01:00 = 14:30Z; 02:00 is skipped; 03:00 (+11) = 16:00Z.
  EXPECT_EQ(Upcoming("0 * * * *", kLordHowe, "2025-10-04T14:00:00Z", 2),
            (Times{"2025-10-04T14:30:00Z", "2025-10-04T16:00:00Z"}));
  EXPECT_EQ(PrevChain("15 2 * * *", kLordHowe, "2025-10-05T16:00:00Z", 3),
            (Times{"2025-10-05T15:15:00Z", "2025-10-04T15:30:00Z", "2025-10-03T15:45:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// Pacific/Chatham 2025, offsets of 12:45 and 13:45. Fall: Sun 04-06 03:45 (+13:45) = 04-05
// 14:00Z becomes 02:45 (+12:45): 02:45-03:44 shows in 13:00Z-14:00Z and 14:00Z-15:00Z. Spring:
// Sun 09-28 02:45 (+12:45) = 09-27 14:00Z becomes 03:45 (+13:45), skipping 02:45-03:44.

TEST_F(CronDstTest, ChathamBothTransitions) {
  // 04-06 03:00 (+13:45) = 04-05 13:15Z once; 04-07 03:00 (+12:45) = 04-06 14:15Z.
  EXPECT_EQ(Upcoming("0 3 * * *", kChatham, "2025-04-05T00:00:00Z", 2),
            (Times{"2025-04-05T13:15:00Z", "2025-04-06T14:15:00Z"}));
  // 02:00, 03:00 (+13:45), 03:00 again (+12:45), 04:00.
  EXPECT_EQ(Upcoming("0 * * * *", kChatham, "2025-04-05T12:00:00Z", 4),
            (Times{"2025-04-05T12:15:00Z", "2025-04-05T13:15:00Z", "2025-04-05T14:15:00Z",
                   "2025-04-05T15:15:00Z"}));
  // From 03:05 (+13:45): 03:30 = 13:45Z; at 14:00Z the clock shows 02:45 (+12:45); then
  // 03:00 = 14:15Z, 03:30 = 14:45Z, 04:00 = 15:15Z.
  EXPECT_EQ(Upcoming("*/30 * * * *", kChatham, "2025-04-05T13:20:00Z", 4),
            (Times{"2025-04-05T13:45:00Z", "2025-04-05T14:15:00Z", "2025-04-05T14:45:00Z",
                   "2025-04-05T15:15:00Z"}));
  // 09-27 03:00 (+12:45) = 09-26 14:15Z; 09-28 skipped -> 03:45 (+13:45) = 09-27 14:00Z;
  // 09-29 03:00 (+13:45) = 09-28 13:15Z.
  EXPECT_EQ(Upcoming("0 3 * * *", kChatham, "2025-09-26T00:00:00Z", 3),
            (Times{"2025-09-26T14:15:00Z", "2025-09-27T14:00:00Z", "2025-09-28T13:15:00Z"}));
  // 01:00, 02:00 (+12:45), no 03:00, 04:00 (+13:45).
  EXPECT_EQ(Upcoming("0 * * * *", kChatham, "2025-09-27T12:00:00Z", 3),
            (Times{"2025-09-27T12:15:00Z", "2025-09-27T13:15:00Z", "2025-09-27T14:15:00Z"}));
  // 02:30 (+12:45); 03:00 and 03:30 do not exist; 04:00 and 04:30 (+13:45).
  EXPECT_EQ(Upcoming("*/30 * * * *", kChatham, "2025-09-27T13:20:00Z", 3),
            (Times{"2025-09-27T13:45:00Z", "2025-09-27T14:15:00Z", "2025-09-27T14:45:00Z"}));
  EXPECT_EQ(PrevChain("0 3 * * *", kChatham, "2025-09-28T00:00:00Z", 2),
            (Times{"2025-09-27T14:00:00Z", "2025-09-26T14:15:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// America/Santiago 2025, changing at midnight. Fall: Sat 04-05 24:00 (-3) = 04-06 03:00Z
// becomes 04-05 23:00 (-4): 23:00-23:59 shows in 02:00Z-03:00Z and 03:00Z-04:00Z. Spring: Sat
// 09-06 24:00 (-4) = 09-07 04:00Z becomes 09-07 01:00 (-3): the hour after midnight is skipped.

TEST_F(CronDstTest, SantiagoMidnightTransitions) {
  EXPECT_EQ(Upcoming("30 23 * * *", kSantiago, "2025-04-05T12:00:00Z", 2),
            (Times{"2025-04-06T02:30:00Z", "2025-04-07T03:30:00Z"}));
  // 04-05 00:00 (-3) = 03:00Z; 04-06 00:00 (-4) = 04:00Z, a day of 25 hours later.
  EXPECT_EQ(Upcoming("0 0 * * *", kSantiago, "2025-04-05T00:00:00Z", 2),
            (Times{"2025-04-05T03:00:00Z", "2025-04-06T04:00:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kSantiago, "2025-04-06T02:10:00Z", 4),
            (Times{"2025-04-06T02:30:00Z", "2025-04-06T03:00:00Z", "2025-04-06T03:30:00Z",
                   "2025-04-06T04:00:00Z"}));
  // From 22:30 (-3): 23:00 (-3), 23:00 again (-4), then 00:00 of 04-06 (-4).
  EXPECT_EQ(Upcoming("@hourly", kSantiago, "2025-04-06T01:30:00Z", 3),
            (Times{"2025-04-06T02:00:00Z", "2025-04-06T03:00:00Z", "2025-04-06T04:00:00Z"}));
  // Midnight of 09-07 does not exist: @daily fires at 01:00 (-3), the first instant after.
  for (const char* daily : {"@daily", "0 0 * * *"}) {
    EXPECT_EQ(Upcoming(daily, kSantiago, "2025-09-06T00:00:00Z", 3),
              (Times{"2025-09-06T04:00:00Z", "2025-09-07T04:00:00Z", "2025-09-08T03:00:00Z"}))
        << daily;
  }
  // 00:30 is skipped as well and fires at the same first instant after the gap.
  EXPECT_EQ(Upcoming("30 0 * * *", kSantiago, "2025-09-06T00:00:00Z", 3),
            (Times{"2025-09-06T04:30:00Z", "2025-09-07T04:00:00Z", "2025-09-08T03:30:00Z"}));
  // 23:00 (-4), no 00:00, 01:00 (-3), 02:00.
  EXPECT_EQ(Upcoming("0 * * * *", kSantiago, "2025-09-07T02:30:00Z", 3),
            (Times{"2025-09-07T03:00:00Z", "2025-09-07T04:00:00Z", "2025-09-07T05:00:00Z"}));
  // From 23:10 (-4): 23:30, then 00:00 and 00:30 do not exist, 01:00 (-3), 01:30.
  EXPECT_EQ(Upcoming("*/30 * * * *", kSantiago, "2025-09-07T03:10:00Z", 3),
            (Times{"2025-09-07T03:30:00Z", "2025-09-07T04:00:00Z", "2025-09-07T04:30:00Z"}));
  EXPECT_EQ(PrevChain("0 0 * * *", kSantiago, "2025-09-08T00:00:00Z", 2),
            (Times{"2025-09-07T04:00:00Z", "2025-09-06T04:00:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// Asia/Tehran: DST until 2022, none since. 2022 spring: 03-22 00:00 (+3:30) = 03-21 20:30Z
// becomes 01:00 (+4:30). 2022 fall: 09-22 00:00 (+4:30) = 09-21 19:30Z becomes 09-21 23:00
// (+3:30): 23:00-23:59 shows in 18:30Z-19:30Z and 19:30Z-20:30Z.

TEST_F(CronDstTest, TehranLastDstYearAndNoneAfter) {
  // 03-21 00:00 (+3:30) = 03-20 20:30Z; 03-22 midnight skipped -> 03-21 20:30Z;
  // 03-23 00:00 (+4:30) = 03-22 19:30Z.
  EXPECT_EQ(Upcoming("@daily", kTehran, "2022-03-20T12:00:00Z", 3),
            (Times{"2022-03-20T20:30:00Z", "2022-03-21T20:30:00Z", "2022-03-22T19:30:00Z"}));
  // From 23:40 (+3:30): 00:00 and 00:30 do not exist; 01:00 (+4:30) = 20:30Z, 01:30 = 21:00Z.
  EXPECT_EQ(Upcoming("*/30 * * * *", kTehran, "2022-03-21T20:10:00Z", 2),
            (Times{"2022-03-21T20:30:00Z", "2022-03-21T21:00:00Z"}));
  EXPECT_EQ(Upcoming("30 23 * * *", kTehran, "2022-09-21T12:00:00Z", 2),
            (Times{"2022-09-21T19:00:00Z", "2022-09-22T20:00:00Z"}));
  EXPECT_EQ(Upcoming("0 * * * *", kTehran, "2022-09-21T18:00:00Z", 3),
            (Times{"2022-09-21T18:30:00Z", "2022-09-21T19:30:00Z", "2022-09-21T20:30:00Z"}));
  // From 23:45 (+3:30, second pass): the 23:30 that fired was the first pass's (+4:30).
  EXPECT_EQ(PrevChain("30 23 * * *", kTehran, "2022-09-21T20:15:00Z", 2),
            (Times{"2022-09-21T19:00:00Z", "2022-09-20T19:00:00Z"}));
  // 2023: +3:30 all year, so the same days are ordinary.
  EXPECT_EQ(Upcoming("@daily", kTehran, "2023-03-20T12:00:00Z", 3),
            (Times{"2023-03-20T20:30:00Z", "2023-03-21T20:30:00Z", "2023-03-22T20:30:00Z"}));
  EXPECT_EQ(Upcoming("30 23 * * *", kTehran, "2023-09-21T12:00:00Z", 2),
            (Times{"2023-09-21T20:00:00Z", "2023-09-22T20:00:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// Asia/Kolkata: +5:30 all year; the days other zones change on are ordinary here.

TEST_F(CronDstTest, KolkataHasNoTransitions) {
  EXPECT_EQ(Upcoming("30 2 * * *", kKolkata, "2025-03-08T00:00:00Z", 2),
            (Times{"2025-03-08T21:00:00Z", "2025-03-09T21:00:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kKolkata, "2025-11-02T05:50:00Z", 2),
            (Times{"2025-11-02T06:00:00Z", "2025-11-02T06:30:00Z"}));
}

// ---------------------------------------------------------------------------------------------
// Past 2037 the zone files list no transitions; the footer rules decide. New York
// (EST5EDT,M3.2.0,M11.1.0) in 2040: second Sunday of March is 03-11 (07:00Z), first Sunday of
// November is 11-04 (06:00Z). Lord Howe (M10.1.0,M4.1.0 at 02:00) in 2040: 04-01 02:00 (+11)
// = 03-31 15:00Z back to 01:30; 10-07 02:00 (+10:30) = 10-06 15:30Z forward to 02:30.

TEST_F(CronDstTest, FooterRulesCarryDstPast2037) {
  EXPECT_EQ(Upcoming("30 2 * * *", kNewYork, "2040-03-10T12:00:00Z", 2),
            (Times{"2040-03-11T07:00:00Z", "2040-03-12T06:30:00Z"}));
  EXPECT_EQ(Upcoming("30 1 * * *", kNewYork, "2040-11-03T12:00:00Z", 2),
            (Times{"2040-11-04T05:30:00Z", "2040-11-05T06:30:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kNewYork, "2040-11-04T04:50:00Z", 5),
            (Times{"2040-11-04T05:00:00Z", "2040-11-04T05:30:00Z", "2040-11-04T06:00:00Z",
                   "2040-11-04T06:30:00Z", "2040-11-04T07:00:00Z"}));
  EXPECT_EQ(PrevChain("30 1 * * *", kNewYork, "2040-11-05T00:00:00Z", 2),
            (Times{"2040-11-04T05:30:00Z", "2040-11-03T05:30:00Z"}));
  // 10-06 02:00 (+10:30) = 10-05 15:30Z; 10-07 skipped -> 02:30 (+11); 10-08 02:00 (+11).
  EXPECT_EQ(Upcoming("0 2 * * *", kLordHowe, "2040-10-05T12:00:00Z", 3),
            (Times{"2040-10-05T15:30:00Z", "2040-10-06T15:30:00Z", "2040-10-07T15:00:00Z"}));
  EXPECT_EQ(Upcoming("*/30 * * * *", kLordHowe, "2040-03-31T14:10:00Z", 4),
            (Times{"2040-03-31T14:30:00Z", "2040-03-31T15:00:00Z", "2040-03-31T15:30:00Z",
                   "2040-03-31T16:00:00Z"}));
}

}  // namespace
}  // namespace backbeat::core::cron
