#pragma once

// The invariants the zone_name fuzz target asserts, shared with the corpus replay test. An input
// is NAME, or NAME "\n" SECONDS (decimal seconds since the epoch, an extra instant to check the
// zone at). NAME goes to the zone lookup the service uses (tzdb::ZoneDatabase) and, inside a
// PATCH body, through the `timezone` field's decoding.

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "backbeat/core/time/instant.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/http/dto/request_decoder.hpp"
#include "fuzz/api_checks.hpp"

namespace backbeat::fuzz {

namespace zone_internal {

using core::Instant;
using std::chrono::hours;
using std::chrono::seconds;

// 0001-01-01T00:00:00Z and 9999-12-31T00:00:00Z: the range schedules are computed in.
inline constexpr Instant kEarliest{seconds(-62'135'596'800)};
inline constexpr Instant kLatest{seconds(253'402'214'400)};
// Instants around the eras a zone's history covers: local mean time, the epoch, the DST changes
// of 2026 in the US and Europe, the last listed transitions (2037) and the footer rule after.
inline constexpr std::array<Instant, 11> kInstants = {
    kEarliest,
    Instant{seconds(-5'364'662'400)},  // 1800-01-01
    Instant{seconds(-2'208'988'800)},  // 1900-01-01
    Instant{seconds(0)},
    Instant{seconds(1'772'953'200)},  // 2026-03-08T07:00:00Z
    Instant{seconds(1'774'602'000)},  // 2026-03-27T09:00:00Z
    Instant{seconds(1'793'512'800)},  // 2026-11-01T06:00:00Z
    Instant{seconds(2'140'668'000)},  // 2037-11-01T06:00:00Z
    Instant{seconds(2'382'480'000)},  // 2045-07-01
    Instant{seconds(4'102'444'800)},  // 2100-01-01
    kLatest,
};
// No zone has ever been further from UTC than Manila's local mean time (-15:56).
inline constexpr seconds kMaxOffset = hours(18);

// Characters of every IANA zone name ("America/Port-au-Prince", "Etc/GMT+5").
inline bool IsZoneNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '_' || c == '+' || c == '-';
}

inline std::string AsciiCase(std::string_view s, bool upper) {
  std::string out(s);
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline std::string ShowInstant(Instant t) {
  return core::FormatIso8601(t) + " (" + std::to_string(t.time_since_epoch().count()) + ")";
}

// At `t` the zone has one offset segment that holds `t`, with a sane offset, joined to its
// neighbours; and the wall-clock reading it shows maps back to `t`.
inline void CheckZoneAt(const core::TimeZone& zone, Instant t, Expectations& check) {
  const core::ZoneSegment seg = zone.SegmentAt(t);
  auto at = [&] { return zone.name() + " at " + ShowInstant(t) + ": "; };
  check.ExpectThat(seg.begin <= t && t < seg.end,
                   [&] { return at() + "SegmentAt gives a segment that does not hold it"; });
  check.ExpectThat(seg.offset >= -kMaxOffset && seg.offset <= kMaxOffset, [&] {
    return at() + "offset " + std::to_string(seg.offset.count()) + "s is out of range";
  });
  if (!check.ok()) return;
  if (seg.begin != Instant::min()) {
    check.ExpectThat(zone.SegmentAt(seg.begin).offset == seg.offset, [&] {
      return at() + "the segment's first instant " + ShowInstant(seg.begin) + " has another offset";
    });
  }
  if (seg.end != Instant::max()) {
    check.ExpectThat(zone.SegmentAt(seg.end - seconds(1)).offset == seg.offset,
                     [&] { return at() + "the segment's last instant has another offset"; });
    check.ExpectThat(zone.SegmentAt(seg.end).begin == seg.end, [&] {
      return at() + "the next segment does not start at this one's end " + ShowInstant(seg.end);
    });
  }

  const core::LocalSeconds local{t.time_since_epoch() + seg.offset};
  const core::LocalResolution r = zone.Resolve(local);
  auto shows = [&](const core::ZoneSegment& s) {
    return local.time_since_epoch() - s.offset == t.time_since_epoch();
  };
  using Kind = core::LocalResolution::Kind;
  check.ExpectThat(r.kind != Kind::kSkipped,
                   [&] { return at() + "Resolve calls the reading it shows skipped"; });
  check.ExpectThat(r.kind != Kind::kUnique || shows(r.first), [&] {
    return at() + "Resolve maps the reading it shows to another instant (offset " +
           std::to_string(r.first.offset.count()) + "s)";
  });
  check.ExpectThat(r.kind != Kind::kRepeated || shows(r.first) || shows(r.second), [&] {
    return at() + "Resolve maps the repeated reading it shows to two other instants";
  });
}

// The `timezone` field of a PATCH body: accepted exactly when the lookup finds the zone, and
// stored as its canonical name; otherwise the documented error on that field.
inline void CheckTimezoneField(std::string_view name, const core::ZoneLookup& zones,
                               const core::TimeZone* zone, Expectations& check) {
  boost::json::object body{{"id", "00000000-0000-4000-8000-000000000001"},
                           {"timezone", boost::json::string(name)}};
  const http::dto::DecodeContext ctx{zones, {}};
  auto decoded = http::dto::DecodeUpdateTask(boost::json::serialize(body), ctx);
  if (!IsValidUtf8(name)) {
    // JSON text is UTF-8: such a name cannot be sent.
    check.Expect(!decoded.ok() && decoded.status().message() == "Invalid JSON body",
                 "a body with a name that is not UTF-8 was not refused as invalid JSON");
    return;
  }
  if (name.empty()) {
    check.Expect(
        !decoded.ok() && decoded.status() ==
                             core::InvalidField("timezone", "timezone must be a non-empty string"),
        "an empty timezone was not refused with the documented error");
    return;
  }
  if (zone == nullptr) {
    check.ExpectThat(
        !decoded.ok() &&
            decoded.status() ==
                core::InvalidField("timezone", "timezone must be a valid IANA time zone"),
        [&] {
          return "an unknown timezone gave " +
                 (decoded.ok() ? std::string("a decoded body") : decoded.status().ToString());
        });
    return;
  }
  check.ExpectThat(decoded.ok() && decoded->timezone == zone->name(), [&] {
    return "a known timezone decoded to " +
           (decoded.ok() ? Show(decoded->timezone.value_or("<none>"))
                         : decoded.status().ToString()) +
           ", not its canonical name " + zone->name();
  });
}

}  // namespace zone_internal

// Checks one input (NAME or NAME "\n" SECONDS) against the zone lookup.
inline CheckResult CheckZoneNameInput(std::string_view input, const core::ZoneLookup& zones) {
  using namespace zone_internal;
  const size_t newline = input.find('\n');
  const std::string_view name = input.substr(0, newline);
  Expectations check("zone name " + Show(name));

  const core::Result<const core::TimeZone*> found = zones.Find(name);
  const core::TimeZone* zone = found.ok() ? *found : nullptr;
  bool plain = !name.empty() && name.size() <= 128;
  for (char c : name) plain = plain && IsZoneNameChar(c);
  check.Expect(zone == nullptr || plain,
               "found a zone for a name with characters no IANA name has (or too long)");
  if (zone == nullptr) {
    check.ExpectThat(!found.ok() && found.status().code() == core::ErrorCode::kInvalidArgument &&
                         found.status().message().starts_with("unknown time zone \""),
                     [&] { return "lookup failed with " + found.status().ToString(); });
  }

  // Names match without regard to (ASCII) case, in both directions.
  for (bool upper : {false, true}) {
    auto other = zones.Find(AsciiCase(name, upper));
    check.Expect((other.ok() ? *other : nullptr) == zone,
                 upper ? "the uppercase name finds another zone (or none)"
                       : "the lowercase name finds another zone (or none)");
  }
  if (zone != nullptr) {
    const std::string& canonical = zone->name();
    auto again = zones.Find(canonical);
    check.Expect(again.ok() && *again == zone,
                 "the canonical name " + canonical + " does not find the same zone");
    bool canonical_plain = !canonical.empty();
    for (char c : canonical) canonical_plain = canonical_plain && IsZoneNameChar(c);
    check.Expect(canonical_plain, "the canonical name " + Show(canonical) + " is malformed");
    for (Instant t : kInstants) CheckZoneAt(*zone, t, check);
    if (newline != std::string_view::npos) {
      const std::string_view digits = input.substr(newline + 1);
      int64_t s = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), s);
      if (ec == std::errc() && end != digits.data()) {
        const Instant t{seconds(s)};
        CheckZoneAt(*zone, std::clamp(t, kEarliest, kLatest), check);
      }
    }
  }
  CheckTimezoneField(name, zones, zone, check);
  return check.result();
}

}  // namespace backbeat::fuzz
