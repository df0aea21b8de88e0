#pragma once

#include <chrono>
#include <string>

#include "backbeat/core/time/time_zone.hpp"

namespace backbeat::core {

// A zone whose offset never changes (UTC, or "+05:30" in tests). Immutable, thread-safe.
class FixedOffsetZone final : public TimeZone {
 public:
  FixedOffsetZone(std::string name, std::chrono::seconds offset);

  const std::string& name() const override { return name_; }
  ZoneSegment SegmentAt(Instant t) const override;
  LocalResolution Resolve(LocalSeconds local) const override;

 private:
  std::string name_;
  std::chrono::seconds offset_;
};

// The UTC zone, a process-wide immutable value.
const TimeZone& UtcZone();

}  // namespace backbeat::core
