// Cost of the cron engine's hot paths: Next() (run once per task per scheduling pass), Parse()
// (once per create/update) and Describe() (once per API read). docs/benchmarks.md records the
// medians and the targets: under 150 ns per Next() for simple UTC expressions, under 1 us with an
// IANA zone.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/fixed_offset_zone.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat {
namespace {

using core::Instant;
using core::cron::CronExpression;
using std::chrono::seconds;

// Next() is called from instants spread over four years from 2026-01-01T00:00:00Z, so every
// iteration asks a different question (month ends, leap day, DST changes all get visited) while
// the results stay far from the year-9999 limit however many iterations run.
constexpr Instant kFirstInstant{seconds(1'767'225'600)};
constexpr int64_t kSpanSeconds = int64_t{4} * 365 * 24 * 3600;
// Prime, and not a multiple of a minute, hour or day, so successive instants fall at different
// times of day and second-of-minute.
constexpr int64_t kStrideSeconds = 7'919;

// The zone database, loaded on first use (it reads every zoneinfo file) and never freed; the
// process ends with the benchmarks. Null if the database cannot be read.
const tzdb::ZoneDatabase* Zones() {
  static const tzdb::ZoneDatabase* const kZones = [] {
    auto loaded = tzdb::ZoneDatabase::Load();
    return loaded.ok() ? std::move(loaded).value().release() : nullptr;
  }();
  return kZones;
}

// Parses outside the timed loop; reports the error through `state` and returns nullopt on
// failure so a typo in the table shows up as a skipped benchmark, not a crash.
std::optional<CronExpression> ParseOrSkip(benchmark::State& state, const char* text,
                                          bool allow_seconds) {
  auto parsed = CronExpression::Parse(text, {.allow_seconds = allow_seconds});
  if (!parsed.ok()) {
    state.SkipWithError(parsed.status().message().c_str());
    return std::nullopt;
  }
  return std::move(parsed).value();
}

void RunNext(benchmark::State& state, const CronExpression& expr, const core::TimeZone& zone) {
  int64_t offset = 0;
  for (auto _ : state) {
    std::optional<Instant> next = expr.Next(kFirstInstant + seconds(offset), zone);
    benchmark::DoNotOptimize(next);
    offset += kStrideSeconds;
    if (offset >= kSpanSeconds) offset -= kSpanSeconds;
  }
  state.SetLabel(zone.name());
}

// Next() against core::UtcZone(), the fixed-offset zone most tasks use.
void BM_NextUtc(benchmark::State& state, const char* text, bool allow_seconds) {
  std::optional<CronExpression> expr = ParseOrSkip(state, text, allow_seconds);
  if (!expr) return;
  RunNext(state, *expr, core::UtcZone());
}

// Next() against an IANA zone from the system database.
void BM_NextZoned(benchmark::State& state, const char* text, const char* zone_name) {
  const tzdb::ZoneDatabase* zones = Zones();
  if (zones == nullptr) {
    state.SkipWithError("cannot load the zone database");
    return;
  }
  auto zone = zones->Find(zone_name);
  if (!zone.ok()) {
    state.SkipWithError(zone.status().message().c_str());
    return;
  }
  std::optional<CronExpression> expr = ParseOrSkip(state, text, /*allow_seconds=*/false);
  if (!expr) return;
  RunNext(state, *expr, **zone);
}

void BM_Parse(benchmark::State& state, const char* text, bool allow_seconds) {
  for (auto _ : state) {
    auto parsed = CronExpression::Parse(text, {.allow_seconds = allow_seconds});
    benchmark::DoNotOptimize(parsed);
  }
}

void BM_Describe(benchmark::State& state, const char* text, bool allow_seconds) {
  std::optional<CronExpression> expr = ParseOrSkip(state, text, allow_seconds);
  if (!expr) return;
  for (auto _ : state) {
    std::string description = expr->Describe();
    benchmark::DoNotOptimize(description);
  }
}

// Simple expressions in UTC: the common case, target < 150 ns.
BENCHMARK_CAPTURE(BM_NextUtc, every_minute, "* * * * *", false);
BENCHMARK_CAPTURE(BM_NextUtc, every_15_minutes, "*/15 * * * *", false);
BENCHMARK_CAPTURE(BM_NextUtc, thursday_0900, "0 9 * * 4", false);
BENCHMARK_CAPTURE(BM_NextUtc, first_of_month, "0 0 1 * *", false);
BENCHMARK_CAPTURE(BM_NextUtc, weekdays_0830, "30 8 * * 1-5", false);
BENCHMARK_CAPTURE(BM_NextUtc, macro_daily, "@daily", false);
BENCHMARK_CAPTURE(BM_NextUtc, macro_hourly, "@hourly", false);

// Day rules with L, W and #, sparse dates and seconds, still in UTC.
BENCHMARK_CAPTURE(BM_NextUtc, odd_days_or_monday, "0 0 */2 * 1", false);
BENCHMARK_CAPTURE(BM_NextUtc, nearest_weekday_15th, "0 9 15W * ?", false);
BENCHMARK_CAPTURE(BM_NextUtc, second_monday, "0 12 ? * MON#2", false);
BENCHMARK_CAPTURE(BM_NextUtc, last_day, "0 18 L * *", false);
BENCHMARK_CAPTURE(BM_NextUtc, last_weekday, "0 17 LW * *", false);
BENCHMARK_CAPTURE(BM_NextUtc, last_friday, "0 0 ? * 5L", false);
BENCHMARK_CAPTURE(BM_NextUtc, leap_day, "0 0 29 2 *", false);
BENCHMARK_CAPTURE(BM_NextUtc, seconds_every_10, "*/10 * * * * *", true);
BENCHMARK_CAPTURE(BM_NextUtc, seconds_weekday_lists, "30 0,15,30,45 9-17 * * MON-FRI", true);

// IANA zones: fixed-time and wildcard expressions, zones with 1 h and 30 min DST changes,
// and local times that the changes skip or repeat. Target < 1 us.
BENCHMARK_CAPTURE(BM_NextZoned, new_york_thursday_0900, "0 9 * * 4", "America/New_York");
BENCHMARK_CAPTURE(BM_NextZoned, new_york_every_15_minutes, "*/15 * * * *", "America/New_York");
BENCHMARK_CAPTURE(BM_NextZoned, new_york_skipped_0230, "30 2 * * *", "America/New_York");
BENCHMARK_CAPTURE(BM_NextZoned, london_repeated_0130, "30 1 * * *", "Europe/London");
BENCHMARK_CAPTURE(BM_NextZoned, london_last_friday, "0 0 ? * 5L", "Europe/London");
BENCHMARK_CAPTURE(BM_NextZoned, lord_howe_0200, "0 2 * * *", "Australia/Lord_Howe");
BENCHMARK_CAPTURE(BM_NextZoned, lord_howe_every_minute, "* * * * *", "Australia/Lord_Howe");
BENCHMARK_CAPTURE(BM_NextZoned, kolkata_first_of_month, "0 0 1 * *", "Asia/Kolkata");

BENCHMARK_CAPTURE(BM_Parse, thursday_0900, "0 9 * * 4", false);
BENCHMARK_CAPTURE(BM_Parse, macro_daily, "@daily", false);
BENCHMARK_CAPTURE(BM_Parse, second_monday, "0 12 ? * MON#2", false);
BENCHMARK_CAPTURE(BM_Parse, lists_and_ranges, "0,15,30,45 9-17 1,15,L JAN-JUN 1-5", false);
BENCHMARK_CAPTURE(BM_Parse, seconds_every_10, "*/10 * * * * *", true);
BENCHMARK_CAPTURE(BM_Parse, invalid_hour, "0 25 * * *", false);

BENCHMARK_CAPTURE(BM_Describe, thursday_0900, "0 9 * * 4", false);
BENCHMARK_CAPTURE(BM_Describe, second_monday, "0 12 ? * MON#2", false);
BENCHMARK_CAPTURE(BM_Describe, lists_and_ranges, "0,15,30,45 9-17 1,15,L JAN-JUN 1-5", false);

}  // namespace
}  // namespace backbeat
