#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "backbeat/core/status.hpp"
#include "backbeat/core/time/instant.hpp"

namespace backbeat::core {

// A stretch of the UTC timeline [begin, end) over which a zone's UTC offset is constant.
struct ZoneSegment {
  Instant begin;
  Instant end;
  std::chrono::seconds offset{0};  // local = utc + offset
};

// How a wall-clock reading maps back onto the timeline.
struct LocalResolution {
  enum class Kind {
    kUnique,    // exactly one instant shows this reading
    kSkipped,   // no instant does: the clock jumped over it (spring forward)
    kRepeated,  // two instants do: the clock went back over it (fall back)
  };
  Kind kind = Kind::kUnique;
  // kUnique: the segment holding the instant. kSkipped: the segment before the gap (its `end`
  // is the first instant after the gap). kRepeated: the segment of the earlier pass.
  ZoneSegment first;
  // kSkipped: the segment after the gap. kRepeated: the segment of the later pass.
  ZoneSegment second;
};

// The seam between the pure core and a time zone database. Implementations are immutable and
// safe to share between threads.
class TimeZone {
 public:
  virtual ~TimeZone() = default;

  // Canonical name ("America/New_York", "UTC").
  virtual const std::string& name() const = 0;
  // The segment that contains `t`.
  virtual ZoneSegment SegmentAt(Instant t) const = 0;
  // Which instants show the wall-clock reading `local`.
  virtual LocalResolution Resolve(LocalSeconds local) const = 0;

  LocalSeconds ToLocal(Instant t) const {
    return LocalSeconds{t.time_since_epoch() + SegmentAt(t).offset};
  }
};

// Finds zones by name. Names are matched without regard to case; aliases resolve to the
// canonical zone. Implementations are immutable after construction and thread-safe.
class ZoneLookup {
 public:
  virtual ~ZoneLookup() = default;
  // The zone, or InvalidArgument `unknown time zone "<name>"`. The pointer lives as long as the
  // lookup.
  virtual Result<const TimeZone*> Find(std::string_view name) const = 0;
};

}  // namespace backbeat::core
