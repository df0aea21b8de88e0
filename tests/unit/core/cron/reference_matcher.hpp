#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/cron/field.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/core/time/time_zone.hpp"

namespace backbeat::core::cron {

// A deliberately naive model of API.md section 6, used only to check CronExpression.
//
// It takes the parsed fields' items (so it needs no parser of its own) and re-derives everything
// else the slow, obvious way: day rules (L, LW, nW, nL, n#k, the Vixie OR) day by day, and fire
// times by walking the UTC timeline instant by instant, reading each instant's wall clock from
// the zone. Stretches that cannot match (a day, hour or minute whose reading fails a field) are
// stepped over whole, never past a change of UTC offset, so the walk stays exact.
//
// The DST rule is written as the spec states it:
//  - a wildcard expression fires at every instant whose reading matches;
//  - a fixed-time expression fires at an instant whose reading matches and that is the first
//    instant ever to show that reading, and once at the first instant after a spring-forward gap
//    if any reading inside the gap matches.
//
// Immutable after construction; safe to share between threads.
class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(const CronExpression& expression);

  // Whether the wall-clock reading matches every field.
  bool Matches(LocalSeconds local) const;
  // Whether the day matches the day-of-month and day-of-week fields (and the month field).
  bool MatchesDay(int year, unsigned month, unsigned day) const;
  // Value set of a plain field as a bit mask (bit v: value v), from its items alone. For the day
  // fields only the items that name plain values (not L, W or #) count.
  uint64_t PlainBits(FieldKind kind) const { return plain_[static_cast<int>(kind)]; }
  // Fixed-time per API.md: none of seconds, minute and hour starts with '*' (and not @hourly).
  bool fixed_time() const { return fixed_time_; }

  // The first fire time strictly after `after` and no later than `after + horizon`.
  std::optional<Instant> Next(Instant after, const TimeZone& zone,
                              std::chrono::seconds horizon) const;
  // The last fire time strictly before `before` and no earlier than `before - horizon`.
  std::optional<Instant> Prev(Instant before, const TimeZone& zone,
                              std::chrono::seconds horizon) const;
  // Every fire time in [from, until), in order, until `visit` returns false.
  void ForEachFire(Instant from, Instant until, const TimeZone& zone,
                   const std::function<bool(Instant)>& visit) const;

 private:
  bool Has(FieldKind kind, int value) const {
    return ((plain_[static_cast<int>(kind)] >> value) & 1) != 0;
  }
  bool MatchesDayOfMonth(int year, unsigned month, unsigned day) const;
  bool MatchesDayOfWeek(int year, unsigned month, unsigned day) const;
  // How far the reading can advance with no reading in [local, local + result) matching, other
  // than `local` itself when it matches (then the result is one second).
  std::chrono::seconds SafeStep(LocalSeconds local) const;
  // Whether any reading in [from, until) matches.
  bool AnyMatchIn(LocalSeconds from, LocalSeconds until) const;

  std::array<uint64_t, kFieldCount> plain_{};
  std::vector<FieldItem> dom_items_;
  std::vector<FieldItem> dow_items_;
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
  bool fixed_time_ = false;
};

}  // namespace backbeat::core::cron
