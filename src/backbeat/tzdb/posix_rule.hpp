#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "backbeat/core/status.hpp"
#include "backbeat/core/time/time_zone.hpp"

namespace backbeat::tzdb {

// The POSIX TZ rule a TZif file carries in its footer ("EST5EDT,M3.2.0,M11.1.0"), which says
// how the zone behaves after its last listed transition (2037 in Debian's files). Only the
// rule is kept; abbreviations are skipped. Immutable, thread-safe.
class PosixRule {
 public:
  // Parses the rule, or InvalidArgument. Supports Mm.w.d, Jn and n dates, and transition times
  // from -167 to 167 hours (RFC 8536 section 3.3.1).
  static core::Result<PosixRule> Parse(std::string_view text);

  bool has_dst() const { return has_dst_; }
  core::ZoneSegment SegmentAt(core::Instant t) const;
  core::LocalResolution Resolve(core::LocalSeconds local) const;

 private:
  struct DateRule {
    enum class Kind { kMonthWeekDay, kJulianNoLeap, kZeroBased };
    Kind kind = Kind::kMonthWeekDay;
    int month = 0, week = 0, weekday = 0;  // Mm.w.d
    int day = 0;                           // Jn (1-365) or n (0-365)
    std::chrono::seconds time{7200};       // local time of day, default 02:00
  };
  // The instant the rule fires in `year`, reading its time in a zone at `offset`.
  static core::Instant TransitionIn(const DateRule& rule, int year, std::chrono::seconds offset);

  std::chrono::seconds std_offset_{0};  // local = utc + offset
  std::chrono::seconds dst_offset_{0};
  bool has_dst_ = false;
  DateRule start_;  // into DST, read in standard time
  DateRule end_;    // out of DST, read in DST
};

}  // namespace backbeat::tzdb
