#pragma once

// The invariants the cron parser fuzz target asserts, shared with the corpus replay test so that
// every input the fuzzer ever kept is re-checked by g++ in ordinary `ctest` runs. Header-only so
// both the libFuzzer build (clang, no gtest) and the test build can include it without a library.

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/fixed_offset_zone.hpp"
#include "backbeat/core/time/instant.hpp"

namespace backbeat::fuzz {

// The outcome of checking one input: `ok` is false when an invariant broke, and `diagnostic`
// then names the invariant, the expression and the instants involved.
struct CronCheckResult {
  bool ok = true;
  std::string diagnostic;
};

namespace internal {

using core::Instant;
using core::cron::CronExpression;
using core::cron::ParseOptions;
using std::chrono::seconds;

// 2026-03-27T09:00:00Z: an ordinary instant, the reference point the checks read from.
inline constexpr Instant kReferenceInstant{seconds(1'774'602'000)};
// 9999-12-31T23:00:00Z and 0001-01-01T01:00:00Z: near the ends of the supported range, where
// Next/Prev must give up with nullopt rather than overflow the calendar arithmetic.
inline constexpr Instant kLatestInstant{seconds(253'402'297'200)};
inline constexpr Instant kEarliestInstant{seconds(-62'135'593'200)};

inline std::string Show(std::optional<Instant> t) {
  return t ? core::FormatIso8601(*t) : std::string("nullopt");
}

// Collects the first broken invariant; later failures are usually consequences of it.
class Checker {
 public:
  explicit Checker(const CronExpression& expr) : expr_(expr) {}

  void Expect(bool condition, const std::string& what) {
    if (condition || !result_.ok) return;
    result_.ok = false;
    result_.diagnostic = "expression \"" + expr_.text() + "\" (" +
                         (expr_.has_seconds() ? "6" : "5") + " fields): " + what;
  }

  const CronCheckResult& result() const { return result_; }

 private:
  const CronExpression& expr_;
  CronCheckResult result_;
};

// Next/Prev/Upcoming read from `from` against UTC, where local time equals UTC, so every fire
// must also satisfy Matches() and the two directions must agree with each other.
inline void CheckFromInstant(const CronExpression& expr, Instant from, Checker& check) {
  const core::TimeZone& utc = core::UtcZone();
  const std::string at = " from " + core::FormatIso8601(from);

  std::optional<Instant> next = expr.Next(from, utc);
  std::optional<Instant> prev = expr.Prev(from, utc);
  if (next) {
    check.Expect(*next > from, "Next" + at + " returned " + Show(next) + ", not after it");
    check.Expect(expr.Matches(core::LocalSeconds{next->time_since_epoch()}),
                 "Next" + at + " returned " + Show(next) + ", which Matches() rejects");
    // Without a seconds field every fire is on a whole minute.
    check.Expect(expr.has_seconds() || next->time_since_epoch().count() % 60 == 0,
                 "Next" + at + " returned " + Show(next) + ", not on a whole minute");
    // No fire lies strictly between `from` and Next(from), so stepping back from it must land
    // on `from` or earlier. It may find nothing only if nothing fires before `from` either
    // (near year 1).
    std::optional<Instant> back = expr.Prev(*next, utc);
    check.Expect(back ? *back <= from : !prev.has_value(), "Prev(Next" + at + " = " + Show(next) +
                                                               ") returned " + Show(back) +
                                                               ", expected at or before the start");
  }
  if (prev) {
    check.Expect(*prev < from, "Prev" + at + " returned " + Show(prev) + ", not before it");
    check.Expect(expr.Matches(core::LocalSeconds{prev->time_since_epoch()}),
                 "Prev" + at + " returned " + Show(prev) + ", which Matches() rejects");
    std::optional<Instant> forward = expr.Next(*prev, utc);
    // Likewise forwards; nothing may follow only if nothing follows `from` (near year 9999).
    check.Expect(forward ? *forward >= from : !next.has_value(),
                 "Next(Prev" + at + " = " + Show(prev) + ") returned " + Show(forward) +
                     ", expected at or after the start");
  }

  std::vector<Instant> upcoming = expr.Upcoming(from, utc, 3);
  check.Expect(upcoming.size() <= 3,
               "Upcoming" + at + " returned " + std::to_string(upcoming.size()) + " > 3 times");
  check.Expect(upcoming.empty() == !next.has_value(),
               "Upcoming" + at + " and Next disagree on whether anything fires");
  if (!upcoming.empty() && next) {
    check.Expect(
        upcoming.front() == *next,
        "Upcoming" + at + " starts at " + Show(upcoming.front()) + ", Next says " + Show(next));
  }
  for (size_t i = 0; i < upcoming.size(); ++i) {
    const Instant before = i == 0 ? from : upcoming[i - 1];
    check.Expect(upcoming[i] > before, "Upcoming" + at + " is not strictly increasing at " +
                                           std::to_string(i) + ": " + Show(upcoming[i]));
  }
}

inline void CheckExpression(const CronExpression& expr, ParseOptions options, Checker& check) {
  // Parsing is a function of the (trimmed) text: the stored text parses again to the same
  // schedule.
  auto again = CronExpression::Parse(expr.text(), options);
  check.Expect(again.ok(), "its own text() does not parse again: " + again.status().message());
  if (again.ok()) {
    check.Expect(again->Next(kReferenceInstant, core::UtcZone()) ==
                     expr.Next(kReferenceInstant, core::UtcZone()),
                 "parsing text() again gives a different Next");
  }

  for (Instant from : std::array{kReferenceInstant, kLatestInstant, kEarliestInstant}) {
    CheckFromInstant(expr, from, check);
  }
  // The parser guarantees a match within any 400-year window, so an ordinary instant always
  // has both a next and a previous fire.
  check.Expect(expr.Next(kReferenceInstant, core::UtcZone()).has_value(),
               "Next from the reference instant is nullopt although the expression parsed");
  check.Expect(expr.Prev(kReferenceInstant, core::UtcZone()).has_value(),
               "Prev from the reference instant is nullopt although the expression parsed");

  check.Expect(!expr.Describe().empty(), "Describe() is empty");
}

}  // namespace internal

// Feeds `input` to CronExpression::Parse without and with seconds and, for each expression that
// parses, checks Next/Prev/Upcoming against UTC and Describe. Parse errors are fine (arbitrary
// bytes are mostly invalid); only broken invariants fail.
inline CronCheckResult CheckCronParserInput(std::string_view input) {
  using internal::CronExpression;
  auto five = CronExpression::Parse(input, {.allow_seconds = false});
  auto six = CronExpression::Parse(input, {.allow_seconds = true});

  if (five.ok()) {
    internal::Checker check(*five);
    // Enabling seconds only widens the grammar: a 5-field expression means the same either way.
    check.Expect(six.ok(), "parses without seconds but not with them: " + six.status().message());
    if (six.ok()) {
      check.Expect(six->Next(internal::kReferenceInstant, core::UtcZone()) ==
                       five->Next(internal::kReferenceInstant, core::UtcZone()),
                   "Next differs between allow_seconds false and true");
    }
    internal::CheckExpression(*five, {.allow_seconds = false}, check);
    if (!check.result().ok) return check.result();
  }
  if (six.ok()) {
    internal::Checker check(*six);
    internal::CheckExpression(*six, {.allow_seconds = true}, check);
    if (!check.result().ok) return check.result();
  }
  return {};
}

}  // namespace backbeat::fuzz
