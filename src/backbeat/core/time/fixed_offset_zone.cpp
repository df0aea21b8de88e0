#include "backbeat/core/time/fixed_offset_zone.hpp"

#include <utility>

namespace backbeat::core {

FixedOffsetZone::FixedOffsetZone(std::string name, std::chrono::seconds offset)
    : name_(std::move(name)), offset_(offset) {}

ZoneSegment FixedOffsetZone::SegmentAt(Instant /*t*/) const {
  return {Instant::min(), Instant::max(), offset_};
}

LocalResolution FixedOffsetZone::Resolve(LocalSeconds /*local*/) const {
  ZoneSegment all{Instant::min(), Instant::max(), offset_};
  return {LocalResolution::Kind::kUnique, all, all};
}

const TimeZone& UtcZone() {
  static const FixedOffsetZone kUtc("UTC", std::chrono::seconds(0));
  return kUtc;
}

}  // namespace backbeat::core
