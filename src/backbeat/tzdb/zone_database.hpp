#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backbeat/core/status.hpp"
#include "backbeat/core/time/time_zone.hpp"

namespace backbeat::tzdb {

class IanaZone;

// The system's IANA time zones: Howard Hinnant's date/tz over the zoneinfo directory, extended
// past the files' last transition by each file's POSIX footer rule. Names match without regard
// to case; links ("US/Eastern") resolve to their canonical zone ("America/New_York"); every
// UTC alias resolves to "UTC". Loaded once; immutable and thread-safe afterwards.
class ZoneDatabase final : public core::ZoneLookup {
 public:
  static constexpr std::string_view kDefaultDirectory = "/usr/share/zoneinfo";

  // Reads the zone list and every zone's footer. Unavailable if the database cannot be read.
  static core::Result<std::unique_ptr<ZoneDatabase>> Load(
      std::string_view directory = kDefaultDirectory);

  ~ZoneDatabase() override;
  ZoneDatabase(const ZoneDatabase&) = delete;
  ZoneDatabase& operator=(const ZoneDatabase&) = delete;

  core::Result<const core::TimeZone*> Find(std::string_view name) const override;

  // Canonical names, sorted.
  std::vector<std::string> CanonicalNames() const;

 private:
  ZoneDatabase() = default;

  std::vector<std::unique_ptr<IanaZone>> zones_;
  std::unordered_map<std::string, const core::TimeZone*> by_folded_name_;
};

}  // namespace backbeat::tzdb
