#include "backbeat/core/time/instant.hpp"

#include <gtest/gtest.h>

namespace backbeat::core {
namespace {

using std::chrono::sys_days;
using std::chrono::year;

Instant At(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return Instant{sys_days{year{y} / std::chrono::month{mo} / std::chrono::day{d}}} +
         std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s);
}

TEST(InstantTest, FormatsIso8601WithZ) {
  EXPECT_EQ(FormatIso8601(At(2026, 3, 27, 9)), "2026-03-27T09:00:00Z");
  EXPECT_EQ(FormatIso8601(At(1999, 12, 31, 23, 59, 59)), "1999-12-31T23:59:59Z");
}

TEST(InstantTest, FormatsMillis) {
  auto t = std::chrono::time_point_cast<std::chrono::milliseconds>(At(2026, 3, 27, 9)) +
           std::chrono::milliseconds(42);
  EXPECT_EQ(FormatIso8601Millis(t), "2026-03-27T09:00:00.042Z");
}

// The hand-written formatter agrees with strftime-style formatting across the years, at every
// field's edges, and falls back for years beyond four digits.
TEST(InstantTest, FormatsEveryFieldWithItsPaddingAndEdges) {
  using std::chrono::milliseconds;
  auto ms = [](Instant t, int m) {
    return std::chrono::time_point_cast<milliseconds>(t) + milliseconds(m);
  };
  EXPECT_EQ(FormatIso8601Millis(ms(At(1970, 1, 1), 0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(ms(At(2024, 2, 29, 23, 59, 59), 999)), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601(At(9, 1, 2, 3, 4, 5)), "0009-01-02T03:04:05Z");
  EXPECT_EQ(FormatIso8601(At(9999, 12, 31, 23, 59, 59)), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601(At(10000, 1, 1)), "10000-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601Millis(ms(At(12345, 6, 7), 8)), "12345-06-07T00:00:00.008Z");
  // Every day of a leap year and a common one, each at a different time of day.
  for (int y : {2023, 2024}) {
    Instant t = At(y, 1, 1);
    for (int d = 0; d < 366; ++d, t += std::chrono::hours(24) + std::chrono::seconds(3601)) {
      std::string text = FormatIso8601(t);
      ASSERT_EQ(text.size(), 20u) << text;
      EXPECT_EQ(*ParseIso8601(text), t) << text;
    }
  }
}

TEST(InstantTest, ParsesForms) {
  EXPECT_EQ(*ParseIso8601("2026-03-27T09:00:00Z"), At(2026, 3, 27, 9));
  EXPECT_EQ(*ParseIso8601("2026-03-27T09:00:00.999Z"), At(2026, 3, 27, 9));
  EXPECT_EQ(*ParseIso8601("2026-03-27t09:00z"), At(2026, 3, 27, 9));
  EXPECT_EQ(*ParseIso8601("2026-03-27 09:00:00+01:00"), At(2026, 3, 27, 8));
  EXPECT_EQ(*ParseIso8601("2026-03-27T09:00:00-0530"), At(2026, 3, 27, 14, 30));
  EXPECT_EQ(*ParseIso8601("2026-03-27"), At(2026, 3, 27));
}

TEST(InstantTest, RejectsMalformed) {
  for (const char* bad : {"", "2026", "2026-02-30T00:00:00Z", "2026-03-27T24:00:00Z",
                          "2026-03-27T09:00:00", "2026-03-27T09:00:00Zjunk", "tomorrow",
                          "2026-03-27T09:00:00+25:00", "2026-03-27T09:60:00Z"}) {
    Result<Instant> r = ParseIso8601(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(InstantTest, RoundTrips) {
  for (Instant t = At(1970, 1, 1); t < At(2100, 1, 1); t += std::chrono::hours(24 * 97 + 7)) {
    EXPECT_EQ(*ParseIso8601(FormatIso8601(t)), t);
  }
}

}  // namespace
}  // namespace backbeat::core
