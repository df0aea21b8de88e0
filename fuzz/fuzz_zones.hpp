#pragma once

// The system's IANA zone database for the fuzz targets that need one: loaded once per process
// (the first call, made from LLVMFuzzerInitialize so its time is not charged to an input).

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::fuzz {

inline const tzdb::ZoneDatabase& FuzzZones() {
  static const std::unique_ptr<tzdb::ZoneDatabase> zones = [] {
    auto loaded = tzdb::ZoneDatabase::Load();
    if (!loaded.ok()) {
      std::fprintf(stderr, "cannot load the zone database: %s\n",
                   loaded.status().ToString().c_str());
      std::abort();
    }
    return std::move(loaded).value();
  }();
  return *zones;
}

}  // namespace backbeat::fuzz
