#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/cron/field.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/core/time/time_zone.hpp"

namespace backbeat::core::cron {

struct ParseOptions {
  // Accept 6-field expressions whose first field is seconds.
  bool allow_seconds = false;
};

// A parsed, validated cron expression (API.md section 6). Immutable; copies are cheap enough to
// keep one per task; all methods are const and thread-safe.
//
// Fire times follow cronie's DST rule. A *fixed-time* expression (neither seconds, minute nor
// hour field starts with '*', and not @hourly) fires a local time skipped by a spring-forward at
// the first instant after the gap, and a repeated local time once, in its first pass. A
// *wildcard* expression follows the wall clock: skipped local times do not fire, repeated ones
// fire in both passes.
class CronExpression {
 public:
  static constexpr size_t kMaxLength = 256;
  static constexpr size_t kMaxListItems = 64;

  // Parses `text`. Errors are InvalidArgument with a message naming the field and the value,
  // e.g. `hour value 25 out of range 0-23`. Runs in bounded time for any input.
  static Result<CronExpression> Parse(std::string_view text, ParseOptions options = {});

  // The first fire time strictly after `after` (strictly before `before` for Prev), read in
  // `zone`. nullopt only past year 9999 (or before year 1).
  std::optional<Instant> Next(Instant after, const TimeZone& zone) const;
  std::optional<Instant> Prev(Instant before, const TimeZone& zone) const;
  // Up to `n` consecutive fire times after `after`, strictly increasing.
  std::vector<Instant> Upcoming(Instant after, const TimeZone& zone, size_t n) const;

  // Wall-clock matching with no zone: the first matching reading strictly after / before.
  std::optional<LocalSeconds> NextLocal(LocalSeconds after) const;
  std::optional<LocalSeconds> PrevLocal(LocalSeconds before) const;
  // Whether the wall-clock reading matches every field.
  bool Matches(LocalSeconds local) const;

  // A short English description: "At 09:00 on Thursday".
  std::string Describe() const;

  const std::string& text() const { return text_; }
  bool has_seconds() const { return has_seconds_; }
  bool is_fixed_time() const { return fixed_time_; }
  const FieldSet& field(FieldKind kind) const { return fields_[static_cast<int>(kind)]; }

 private:
  CronExpression() = default;
  friend class Parser;

  Instant ResolveFixed(LocalSeconds local, const TimeZone& zone) const;

  std::string text_;
  bool has_seconds_ = false;
  bool fixed_time_ = false;
  std::string macro_;  // "@daily" etc., empty when written as fields
  std::array<FieldSet, kFieldCount> fields_;
  DayRule days_;
};

}  // namespace backbeat::core::cron
